"""Source definitions: the pydantic models one `config/sources/*.yaml` file is checked against.

One model per source `type` (a union discriminated on `type`); the types that extract records
themselves (html, json, xml, csv) carry their extraction rules under `rules`; ics and sitemap
may tune theirs there (horizon, page filters). Codes are checked against the taxonomy passed as
validation context (`validate_definition` does that), so an unknown sector or market fails
here, with close codes suggested, instead of in a crawl.
"""

from __future__ import annotations

import codecs
import difflib
import re
from datetime import timedelta
from typing import Annotated, Any, Literal, TypeAlias
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

from exportwatch.model import Kind, SourceProfile
from exportwatch.taxonomy import Taxonomy, country_codes, is_country_code

__all__ = [
    "FIELD_NAMES",
    "SOURCE_TYPES",
    "CsvRules",
    "CsvSource",
    "Defaults",
    "DetailRules",
    "Expect",
    "FeedSource",
    "HtmlRules",
    "HtmlSource",
    "IcsRules",
    "IcsSource",
    "JsonLdSource",
    "JsonRules",
    "JsonSource",
    "Lookups",
    "Publisher",
    "Schedule",
    "Selector",
    "SitemapRules",
    "SitemapSource",
    "SourceDefinition",
    "XmlRules",
    "XmlSource",
    "validate_definition",
]

SOURCE_TYPES = ("feed", "html", "sitemap", "ics", "jsonld", "json", "xml", "csv")
MIN_INTERVAL = timedelta(minutes=5)
DEFAULT_INTERVAL = timedelta(hours=6)

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_EVERY = re.compile(r"(\d+)\s*([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_JSON_PATH = re.compile(r"\$?(?:\.?[^.\[\]\s]+|\[(?:\d+|\*)\])*")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- field checks -------------------------------------------------------------------------


def _taxonomy(info: ValidationInfo) -> Taxonomy | None:
    context = info.context
    found = context.get("taxonomy") if isinstance(context, dict) else None
    return found if isinstance(found, Taxonomy) else None


def _suggest(value: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(value, candidates, n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(code) for code in close)}?)" if close else ""


def _check_sector(value: str, info: ValidationInfo) -> str:
    taxonomy = _taxonomy(info)
    if taxonomy is None or value in taxonomy.sectors:
        return value
    named = taxonomy.sectors.resolve(value)
    hint = f" (did you mean {named!r}?)" if named else ""
    codes = [sector.code for sector in taxonomy.sectors]
    raise ValueError(f"unknown sector code {value!r}{hint or _suggest(value, codes)}")


def _check_market(value: str, info: ValidationInfo) -> str:
    taxonomy = _taxonomy(info)
    if is_country_code(value) or (taxonomy is not None and value in taxonomy.markets):
        return value
    if taxonomy is None and value.isalpha() and len(value) == 2:
        raise ValueError(f"unknown ISO country code {value!r}")
    if taxonomy is None:
        return value  # a grouping code: only the taxonomy can tell
    candidates = sorted(country_codes()) + [grouping.code for grouping in taxonomy.markets]
    raise ValueError(f"unknown country or grouping code {value!r}{_suggest(value, candidates)}")


def _check_country(value: str) -> str:
    if not is_country_code(value):
        raise ValueError(f"unknown ISO country code {value!r}")
    return value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _as_list(value: object) -> object:
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


def _check_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"URL must start with http:// or https:// (got {value!r})")
    if not parts.hostname or " " in value:
        raise ValueError(f"not a valid URL: {value!r}")
    return value


def _check_slug(value: str) -> str:
    if not _SLUG.fullmatch(value) or len(value) > 64:
        raise ValueError(
            f"{value!r} is not a valid id: use lowercase letters, digits and hyphens "
            "(at most 64), e.g. 'wto-tbt-notifications'"
        )
    return value


def _check_language(value: str) -> str:
    import pycountry  # loaded only when a definition names a language

    value = value.strip().lower()
    if len(value) != 2 or pycountry.languages.get(alpha_2=value) is None:
        raise ValueError(f"{value!r} is not an ISO 639-1 language code (such as 'en', 'de')")
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        problem = f"unknown time zone {value!r} (use an IANA name such as 'Europe/Berlin')"
        raise ValueError(problem) from None
    return value


def _check_email(value: str) -> str:
    if not _EMAIL.fullmatch(value.strip()):
        raise ValueError(f"not an email address: {value!r}")
    return value.strip()


def _check_field_name(value: str) -> str:
    if not _FIELD_NAME.fullmatch(value):
        raise ValueError(f"field name {value!r} must be lowercase letters, digits and '_'")
    return value


def _check_json_path(value: str) -> str:
    if not value.strip() or not _JSON_PATH.fullmatch(value.strip()):
        raise ValueError(f"invalid JSON path {value!r} (write it like 'data.items[*]')")
    return value.strip()


def _check_css(value: str) -> str:
    from cssselect import SelectorError
    from parsel.csstranslator import HTMLTranslator

    try:
        HTMLTranslator().css_to_xpath(value)
    except SelectorError as error:
        raise ValueError(f"invalid CSS selector {value!r}: {error}") from None
    return value


def _check_xpath(value: str, namespaces: dict[str, str] | None = None) -> str:
    from lxml import etree

    try:
        etree.XPath(value, namespaces=namespaces or {})(etree.fromstring(b"<x/>"))
    except etree.XPathError as error:
        raise ValueError(f"invalid XPath {value!r}: {error}") from None
    return value


HttpUrl = Annotated[str, AfterValidator(_check_url)]
Slug = Annotated[str, AfterValidator(_check_slug)]
FieldName = Annotated[str, AfterValidator(_check_field_name)]
CountryCode = Annotated[str, BeforeValidator(_upper), AfterValidator(_check_country)]
MarketCode = Annotated[str, BeforeValidator(_upper), AfterValidator(_check_market)]
SectorCode = Annotated[str, AfterValidator(_check_sector)]
SectorCodes = Annotated[tuple[SectorCode, ...], BeforeValidator(_as_list)]
MarketCodes = Annotated[tuple[MarketCode, ...], BeforeValidator(_as_list)]
KindCodes = Annotated[tuple[Kind, ...], BeforeValidator(_as_list)]
JsonPath = Annotated[str, AfterValidator(_check_json_path)]
NonEmpty = Annotated[str, Field(min_length=1)]


# --- common parts -------------------------------------------------------------------------


class Publisher(_Model):
    """Who publishes the source (shown to users beside its items)."""

    name: NonEmpty
    country: CountryCode | None = None
    url: HttpUrl | None = None


class Defaults(_Model):
    """Values every item of the source gets unless the item says otherwise."""

    countries: MarketCodes = ()
    eligible_countries: MarketCodes = ()  # finance sources: where applicants must be based
    sectors: SectorCodes = ()
    kind: Kind | None = None


class Expect(_Model):
    """Assertions on every run; a run that breaks one is recorded as degraded."""

    min_items: int = Field(default=0, ge=0)
    quiet_days: int | None = Field(
        default=None, ge=1, description="Tell the contact when no new item came for this long."
    )


class Lookups(_Model):
    """Source labels mapped to taxonomy codes, per RawItem field (a label may map to none)."""

    categories: dict[str, SectorCodes] = Field(default_factory=dict)
    sectors: dict[str, SectorCodes] = Field(default_factory=dict)
    countries: dict[str, MarketCodes] = Field(default_factory=dict)
    eligible_countries: dict[str, MarketCodes] = Field(default_factory=dict)
    country: dict[str, MarketCodes] = Field(default_factory=dict)
    location: dict[str, MarketCodes] = Field(default_factory=dict)
    venue: dict[str, MarketCodes] = Field(default_factory=dict)
    city: dict[str, MarketCodes] = Field(default_factory=dict)
    kind: dict[str, KindCodes] = Field(default_factory=dict)

    def as_profile(self) -> dict[str, dict[str, list[str]]]:
        """The lookups that are set, as `SourceProfile.lookups` holds them."""
        result: dict[str, dict[str, list[str]]] = {}
        for name in type(self).model_fields:
            table: dict[str, tuple[str, ...]] = getattr(self, name)
            if table:
                result[name] = {
                    label: [str(code) for code in codes] for label, codes in table.items()
                }
        return result


class Schedule(_Model):
    """When to crawl: a cron expression (UTC unless the source sets `timezone`) or an interval.

    YAML accepts `schedule: "0 6 * * 1-5"`, `schedule: every 6h` and `schedule: {every: 6h}`.
    """

    cron: str | None = None
    every: timedelta | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("every"):
                return {"every": text.removeprefix("every").strip(" :")}
            return {"cron": text}
        return value

    @field_validator("every", mode="before")
    @classmethod
    def _parse_every(cls, value: object) -> object:
        if isinstance(value, timedelta):
            return value
        match = _EVERY.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f"expected an interval such as 30m, 6h or 1d (got {value!r})")
        interval = timedelta(**{_UNITS[match[2]]: int(match[1])})
        if interval < MIN_INTERVAL:
            raise ValueError(f"interval {value!r} is shorter than the minimum of 5m")
        return interval

    @field_validator("cron")
    @classmethod
    def _parse_cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as error:
            raise ValueError(f"invalid cron expression {value!r}: {error}") from None
        return " ".join(value.split())

    @model_validator(mode="after")
    def _one_of(self) -> Schedule:
        if (self.cron is None) == (self.every is None):
            raise ValueError("give either a cron expression or every: <interval>")
        return self

    def typical_interval(self) -> timedelta:
        """The interval, or a day for cron schedules: the unit failing sources back off in."""
        return self.every or timedelta(days=1)

    def describe(self) -> str:
        """`every 6h` or `cron 0 6 * * 1-5`, as people write it."""
        if self.every is not None:
            return f"every {_format_interval(self.every)}"
        return f"cron {self.cron}"


def _format_interval(interval: timedelta) -> str:
    minutes = int(interval.total_seconds() // 60)
    for size, unit in ((1440, "d"), (60, "h")):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def _default_schedule() -> Schedule:
    return Schedule(every=DEFAULT_INTERVAL)


# --- extraction rules ---------------------------------------------------------------------


class Selector(_Model):
    """Where a value is in a page: a CSS selector (parsel's `::text`, `::attr(x)` work) or an
    XPath; a plain string is a CSS selector. `multiple` keeps every match as a list."""

    css: str | None = None
    xpath: str | None = None
    multiple: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        return {"css": value} if isinstance(value, str) else value

    @field_validator("css")
    @classmethod
    def _valid_css(cls, value: str | None) -> str | None:
        return None if value is None else _check_css(value)

    @field_validator("xpath")
    @classmethod
    def _valid_xpath(cls, value: str | None) -> str | None:
        return None if value is None else _check_xpath(value)

    @model_validator(mode="after")
    def _one_of(self) -> Selector:
        if (self.css is None) == (self.xpath is None):
            raise ValueError("give either css or xpath")
        return self


class DetailRules(_Model):
    """Fields read from each item's own page (the link of the listing)."""

    fields: dict[FieldName, Selector] = Field(min_length=1)


class HtmlRules(_Model):
    """A listing page: `item` selects each item, `fields` are read inside it."""

    item: Selector
    link: Selector = Selector(css="a::attr(href)")
    fields: dict[FieldName, Selector] = Field(default_factory=dict)
    pagination: Selector | None = None
    max_pages: int = Field(default=1, ge=1, le=100)
    detail: DetailRules | None = None

    @model_validator(mode="after")
    def _has_title(self) -> HtmlRules:
        detail = self.detail.fields if self.detail else {}
        if "title" not in self.fields and "title" not in detail:
            raise ValueError("say where the title is: fields.title or detail.fields.title")
        return self


class JsonRules(_Model):
    """A JSON document: `records` is the path to the list of items, `fields` paths inside one.

    A path is keys joined by dots, `[N]` for the N-th element (from 0) and `[*]` for every
    element: `data.events[*]`, `venue.country.iso`, `links[0].href`; a leading `$` stands for
    the document (in `records`) or the record (in `fields`), and `$` alone for the whole of it.
    A key after a list applies to each element (`sectors.name` = `sectors[*].name`), and `[*]`
    on a single value keeps that value (`sectors[*]` reads "Food" as well as a list); a records
    path that ends at a list reads its elements. A field that finds several values keeps them
    all (a list); an object found where text is expected is read as its values joined by ", ".
    The field names `title`, `summary`, `body`, `url`, `guid` and `language` fill the item
    (`link`, `id`, `description` mean `url`, `guid`, `summary`); other names become fields
    (see `RawItem`: `starts`, `ends`, `deadline`, `location`, `categories`, …).
    """

    records: JsonPath
    fields: dict[FieldName, JsonPath]

    @field_validator("fields")
    @classmethod
    def _has_title(cls, value: dict[str, str]) -> dict[str, str]:
        return _require_title(value)


class XmlRules(_Model):
    """An XML document: `records` XPath selects the items, `fields` XPaths are relative.

    Prefixes used in the XPaths are declared in `namespaces` (a default namespace too: give it
    a prefix). A field XPath may select text, attributes or elements (read as their text; for
    `body`, their inner markup). The document's own encoding declaration is honoured. Field
    names map onto the item as for `JsonRules`.
    """

    namespaces: dict[str, str] = Field(default_factory=dict)
    records: str
    fields: dict[FieldName, str]

    @field_validator("records")
    @classmethod
    def _valid_records(cls, value: str, info: ValidationInfo) -> str:
        return _check_xpath(value, info.data.get("namespaces"))

    @field_validator("fields")
    @classmethod
    def _valid_fields(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        for name, xpath in value.items():
            try:
                _check_xpath(xpath, info.data.get("namespaces"))
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
        return _require_title(value)


class CsvRules(_Model):
    """A CSV file: which lines to skip, whether there is a header, which column is which field.

    `header: auto` (the default) detects it; a column is a header name or a 0-based index.
    With named columns the header is the first row holding them, so title lines above it are
    skipped without counting them in `skip_lines`. Without `delimiter`, one of , ; tab | is
    chosen by the rows; without `encoding`, the BOM, the Content-Type charset or UTF-8 decide
    (and a guess, reported, when none fits). List fields (`categories`, `countries`, …) split
    a cell at ; | and line breaks (`categories` and `hs_codes` at commas too).
    """

    header: bool | None = None
    skip_lines: int = Field(default=0, ge=0, le=1000)
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    encoding: str | None = None
    columns: dict[FieldName, str | Annotated[int, Field(ge=0)]]

    @field_validator("header", mode="before")
    @classmethod
    def _header_mode(cls, value: object) -> object:
        if value == "auto" or value is None:
            return None
        if not isinstance(value, bool):
            raise ValueError(f"header must be true, false or auto (got {value!r})")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown encoding {value!r}") from None
        return value

    @field_validator("columns")
    @classmethod
    def _has_title(cls, value: dict[str, str | int], info: ValidationInfo) -> dict[str, str | int]:
        if info.data.get("header") is False:
            named = sorted(name for name, column in value.items() if isinstance(column, str))
            if named:
                raise ValueError(f"without a header, columns are numbers (see {', '.join(named)})")
        return _require_title(value)


class IcsRules(_Model):
    """How far recurring events are expanded: one item per occurrence from `past_days` before
    the crawl to `horizon_days` after it. Events that do not recur are always read."""

    horizon_days: int = Field(default=365, ge=1, le=1830)
    past_days: int = Field(default=0, ge=0, le=366)


class SitemapRules(_Model):
    """Which pages of a sitemap are read (for their JSON-LD).

    `max_age_days` skips pages (and child sitemaps) whose `lastmod` is older; `include` and
    `exclude` are regular expressions searched in page URLs; at most `max_pages` pages of one
    sitemap are followed, the most recently modified first.
    """

    max_age_days: int | None = Field(default=None, ge=1, le=3650)
    include: Annotated[tuple[str, ...], BeforeValidator(_as_list)] = ()
    exclude: Annotated[tuple[str, ...], BeforeValidator(_as_list)] = ()
    max_pages: int = Field(default=500, ge=1, le=10_000)

    @field_validator("include", "exclude")
    @classmethod
    def _valid_patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"invalid regular expression {pattern!r}: {error}") from None
        return value


def _require_title(fields: dict[str, Any]) -> dict[str, Any]:
    if "title" not in fields:
        raise ValueError("say where the title is: add a 'title' field")
    return fields


# --- sources ------------------------------------------------------------------------------


class _Source(_Model):
    """What every source type has; a subclass per type adds `type` and its rules."""

    id: Slug
    name: NonEmpty
    kind: Kind
    publisher: Publisher | None = None
    urls: tuple[HttpUrl, ...] = ()
    url: Annotated[HttpUrl | None, Field(validate_default=True)] = None
    schedule: Schedule = Field(default_factory=_default_schedule)
    language: Annotated[str, AfterValidator(_check_language)] | None = None
    timezone: Annotated[str, AfterValidator(_check_timezone)] | None = None
    defaults: Defaults = Defaults()
    lookups: Lookups = Lookups()
    expect: Expect = Expect()
    enabled: bool = True
    contact: Annotated[str, AfterValidator(_check_email)] | None = None

    @field_validator("url")
    @classmethod
    def _url_or_urls(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "urls" not in info.data:  # `urls` itself was invalid and is reported already
            return value
        if value is not None and info.data["urls"]:
            raise ValueError("give url or urls, not both")
        if value is None and not info.data["urls"]:
            raise ValueError("missing required field (or urls, a list of URLs)")
        return value

    @field_validator("defaults")
    @classmethod
    def _same_kind(cls, value: Defaults, info: ValidationInfo) -> Defaults:
        kind = info.data.get("kind")
        if value.kind is not None and kind is not None and value.kind != kind:
            raise ValueError(
                f"defaults.kind {value.kind.value!r} contradicts kind {kind.value!r}; "
                "map items of another kind with lookups.kind"
            )
        return value

    @property
    def all_urls(self) -> tuple[str, ...]:
        """The URLs to fetch, in order: `url` alone or the `urls` list."""
        return (self.url,) if self.url is not None else self.urls

    def profile(self) -> SourceProfile:
        """What the pipeline needs to normalize this source's items."""
        return SourceProfile(
            id=self.id,
            kind=self.kind,
            language=self.language,
            countries=self.defaults.countries,
            sectors=self.defaults.sectors,
            timezone=self.timezone,
            lookups=self.lookups.as_profile(),
            eligible_countries=self.defaults.eligible_countries,
            publisher_country=self.publisher.country if self.publisher else None,
        )


class FeedSource(_Source):
    """RSS 0.9x/1.0/2.0, Atom or JSON Feed; no rules needed."""

    type: Literal["feed"]


class IcsSource(_Source):
    """An iCalendar file of events; no rules needed (`rules` may set the recurrence horizon)."""

    type: Literal["ics"]
    rules: IcsRules = IcsRules()


class SitemapSource(_Source):
    """A sitemap whose pages carry their own structured data; no rules needed (`rules` may
    filter the pages by lastmod and URL)."""

    type: Literal["sitemap"]
    rules: SitemapRules = SitemapRules()


class JsonLdSource(_Source):
    """Pages with schema.org JSON-LD (Event, …); no rules needed."""

    type: Literal["jsonld"]


class HtmlSource(_Source):
    """Listing pages read with CSS/XPath rules; `url`/`urls` are the list pages."""

    type: Literal["html"]
    rules: HtmlRules


class JsonSource(_Source):
    """A JSON API or file read with record and field paths."""

    type: Literal["json"]
    rules: JsonRules


class XmlSource(_Source):
    """An XML file read with record and field XPaths."""

    type: Literal["xml"]
    rules: XmlRules


class CsvSource(_Source):
    """A CSV file read with a column mapping."""

    type: Literal["csv"]
    rules: CsvRules


SourceDefinition: TypeAlias = Annotated[
    FeedSource
    | HtmlSource
    | SitemapSource
    | IcsSource
    | JsonLdSource
    | JsonSource
    | XmlSource
    | CsvSource,
    Field(discriminator="type"),
]

_ADAPTER: TypeAdapter[SourceDefinition] = TypeAdapter(SourceDefinition)


def _field_names(model: type[BaseModel]) -> set[str]:
    names = set(model.model_fields)
    for sub in model.__subclasses__():
        names |= _field_names(sub)
    return names


#: Every field name a definition may use at some level (for "did you mean" hints).
FIELD_NAMES: frozenset[str] = frozenset(_field_names(_Model))


def validate_definition(data: object, taxonomy: Taxonomy | None) -> SourceDefinition:
    """Validate raw data (parsed YAML, a form) as a definition; raises pydantic's ValidationError.

    Without a taxonomy, sector and grouping codes are not checked (countries still are).
    """
    return _ADAPTER.validate_python(data, context={"taxonomy": taxonomy})
