"""Turn one `RawItem` into a `Document`: text, language, kind, dates, places, products, identity.

Each step reads what the source gave (structured fields first, free text second) and fills
its part of a draft. A step that fails on absurd input records a problem naming the step and
leaves its fields empty, so the item is still stored with whatever could be read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from exportwatch.model import Document, Kind, RawItem, SourceProfile, Venue
from exportwatch.pipeline.dates import (
    AssignedDates,
    DateSpan,
    assign_dates,
    find_dates,
    parse_datetime,
    parse_span,
)
from exportwatch.pipeline.gazetteer import City
from exportwatch.pipeline.hs_codes import find_hs_codes
from exportwatch.pipeline.identity import content_hash, document_id
from exportwatch.pipeline.language import detect_language, normalize_language
from exportwatch.pipeline.places import Places, find_wto_symbols, wto_market
from exportwatch.pipeline.sectors import SectorClassifier
from exportwatch.pipeline.text import (
    clean_text,
    clean_title,
    html_to_text,
    sanitize_html,
    summarize,
)
from exportwatch.taxonomy import Taxonomy

__all__ = ["KNOWN_FIELDS", "Normalized", "Normalizer"]

log = logging.getLogger(__name__)

KNOWN_FIELDS = frozenset(
    {
        "dates",
        "starts",
        "ends",
        "deadline",
        "effective",
        "published",
        "updated",
        "location",
        "venue",
        "city",
        "country",
        "countries",
        "eligible_countries",
        "categories",
        "hs_codes",
        "organizer",
        "provider",
        "reference",
        "kind",
        "timezone",
    }
)
SUMMARY_CHARS = 400
TITLE_CHARS = 300
MAX_RAW_TITLE_CHARS = 2000  # a longer "title" is a page or a broken feed: worth reporting
MIN_CITY_IN_TEXT = 100_000  # a city found in prose must be large enough to host fairs
# "in Barcelona", "à Genève", "en Madrid", "em São Paulo", "i Bergen", "di Jakarta", "te Utrecht"
_IN_CITY = re.compile(
    r"\b(?:in|at|à|a|au|en|em|no|na|i|di|te|op|im|zu)\s+(?:(?:the|el|la|le|les|der|die|das|het)\s+)?"
    r"(?P<place>[A-ZÀ-Þ][\w\-'’]+(?:\s+[A-ZÀ-Þ][\w\-'’]+){0,2})"
)
LANGUAGE_SAMPLE_CHARS = 400  # enough for a confident guess; detection cost grows with length
MAX_EXTRA_CHARS = 2000  # per unmapped field value kept in `extra`
MAX_HTML_CHARS = 50_000  # fragments longer than this are pages: not worth keeping as HTML


@dataclass(slots=True)
class Normalized:
    """The document made from one item, and what could not be read on the way."""

    document: Document
    problems: list[str] = field(default_factory=list)
    unknown_labels: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Draft:
    """The item being normalized: its raw input, the fields found so far, and problems."""

    raw: RawItem
    profile: SourceProfile
    kind: Kind
    title: str = ""
    summary: str = ""
    body: str = ""
    language: str | None = None
    hint: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    deadline: date | None = None
    effective_on: date | None = None
    venue: Venue | None = None
    countries: list[str] = field(default_factory=list)
    eligible_countries: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    hs_codes: list[str] = field(default_factory=list)
    reference: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    unknown_labels: list[str] = field(default_factory=list)

    def text(self, *, body: bool = True) -> str:
        """Title, summary and (optionally) body as one text for free-text scans."""
        parts = [self.title, self.summary, self.body] if body else [self.title, self.summary]
        return "\n".join(part for part in parts if part)

    def languages(self) -> tuple[str, ...]:
        """Languages to read dates and names in: the item's, the source's, then English."""
        return tuple(dict.fromkeys(code for code in (self.language, self.hint, "en") if code))


class Normalizer:
    """Normalizes items of any source; build once (the matchers take a moment to compile)."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.places = Places(taxonomy)
        self.classifier = SectorClassifier(taxonomy.sectors)
        self._steps: tuple[tuple[str, Callable[[_Draft], None]], ...] = (
            ("text", _read_text),
            ("language", _read_language),
            ("kind", _read_kind),
            ("dates", _read_dates),
            ("places", self._read_places),
            ("products", self._read_products),
            ("fields", _read_other_fields),
        )

    def normalize(self, raw: RawItem, profile: SourceProfile) -> Normalized:
        """The document for `raw`; never raises for anything the item contains."""
        draft = _Draft(raw=raw, profile=profile, kind=profile.kind)
        for name, step in self._steps:
            try:
                step(draft)
            except Exception as error:  # a parser bug must not lose the item: record it
                log.exception("pipeline step %s failed on %s", name, raw.url)
                draft.problems.append(f"{name}: internal error {type(error).__name__}: {error}")
        document = _document(draft)
        return Normalized(document, draft.problems, draft.unknown_labels)

    def _read_places(self, draft: _Draft) -> None:
        draft.venue = self._venue(draft)
        explicit = self._markets(draft, "countries")
        if draft.kind is Kind.FINANCE:
            draft.eligible_countries = self._eligible(draft)
            found = self._specific(self.places.find_markets(draft.text(), language=draft.language))
            home = {*draft.eligible_countries, draft.profile.publisher_country}
            draft.countries = explicit or [c for c in found if c not in home]
        elif draft.kind is Kind.REGULATION:
            draft.countries = explicit or self._regulating_market(draft)
        else:
            draft.countries = explicit or self._event_markets(draft)

    def _venue(self, draft: _Draft) -> Venue | None:
        location = _field(draft.raw, "location")
        venue = self.places.parse_location(location, language=draft.language) if location else None
        venue = venue or Venue()
        if name := _field(draft.raw, "venue"):
            venue.name = clean_title(name)
        if city := _field(draft.raw, "city"):
            venue.city = clean_title(city)
        if country := _field(draft.raw, "country"):
            codes, unknown = self.places.resolve_markets([country], language=draft.language)
            venue.country = next((c for c in codes if self.taxonomy.markets.is_country(c)), None)
            draft.problems += [f"country: unknown country {value!r}" for value in unknown]
        if looked_up := self._looked_up_country(draft):
            venue.country = looked_up  # the source's own mapping beats any guess
        if venue.city:
            self._canonical_city(venue)
        return venue if (venue.name or venue.city or venue.country) else None

    def _looked_up_country(self, draft: _Draft) -> str | None:
        """A venue country from the source's lookups of `country`, `city`, `location`, `venue`."""
        for name in ("country", "city", "location", "venue"):
            table, value = draft.profile.lookups.get(name), _field(draft.raw, name)
            codes = table.get(value) if table and value else None
            if codes:
                return codes[0]
        return None

    def _canonical_city(self, venue: Venue) -> None:
        """The gazetteer's name for the city ('Köln' -> 'Cologne'), and its country if unknown.

        One name per city keeps facets tidy and lets two sources' copies of a fair meet.
        """
        assert venue.city is not None
        candidates = self.places.gazetteer.lookup(venue.city)
        if venue.country:
            candidates = tuple(city for city in candidates if city.country == venue.country)
        if candidates:
            venue.city = candidates[0].name
            venue.country = venue.country or candidates[0].country

    def _event_markets(self, draft: _Draft) -> list[str]:
        """The venue's country; a mission to several countries named in the title; or named."""
        if draft.venue is None:
            in_title = self._abroad(
                draft, self.places.find_markets(draft.title, language=draft.language)
            )
            countries = [code for code in in_title if self.taxonomy.markets.is_country(code)]
            if len(countries) >= 2:  # "Trade mission to Chile and Peru"
                return countries
            draft.venue = self._venue_in_text(draft)
        if draft.venue and draft.venue.country:
            return [draft.venue.country]
        return self._named_markets(draft)

    def _abroad(self, draft: _Draft, codes: list[str]) -> list[str]:
        """`codes`, specific, without the publisher's own country."""
        home = draft.profile.publisher_country
        return [code for code in self._specific(codes) if code != home]

    def _eligible(self, draft: _Draft) -> list[str]:
        """Where applicants must be based: stated, else the source's, else its publisher's."""
        profile = draft.profile
        stated = self._markets(draft, "eligible_countries")
        fallback = [profile.publisher_country] if profile.publisher_country else []
        return stated or list(profile.eligible_countries) or fallback

    def _markets(self, draft: _Draft, name: str) -> list[str]:
        """Codes for a structured market field, through the source's lookups first."""
        values = _field_list(draft.raw, name)
        if not values:
            return []
        lookup = draft.profile.lookups.get(name, {})
        mapped = [code for value in values for code in lookup.get(value, [])]
        rest = [value for value in values if value not in lookup]
        codes, unknown = self.places.resolve_markets(rest, language=draft.language)
        draft.problems += [f"{name}: unknown market {value!r}" for value in unknown]
        return list(dict.fromkeys([*mapped, *codes]))

    def _regulating_market(self, draft: _Draft) -> list[str]:
        """The market that regulates: by WTO symbol, the source's default, or where named.

        Title and summary come before the publisher's own country (a national gazette's items
        concern its country; a trade agency's reports name the foreign market up front).
        """
        symbols = [draft.reference] if draft.reference else []
        symbols += find_wto_symbols(draft.text())
        for symbol in symbols:
            if market := wto_market(symbol, self.taxonomy.markets):
                draft.reference = draft.reference or symbol
                return [market]
        if draft.profile.countries:
            return list(draft.profile.countries)
        for text in (draft.title, draft.summary):
            if found := self.places.find_markets(text, language=draft.language):
                return found[:1]
        if draft.profile.publisher_country:
            return [draft.profile.publisher_country]
        return self.places.find_markets(draft.body, language=draft.language)[:1]

    def _named_markets(self, draft: _Draft) -> list[str]:
        """Markets named in the title and summary, the publisher's own country last in line.

        A promotion agency's event abroad names its home country too ("Pabellón de España en
        Dubái"): the home country counts only when no other market is named.
        """
        found = self._specific(
            self.places.find_markets(draft.text(body=False), language=draft.language)
        )
        return self._abroad(draft, found) or found or list(draft.profile.countries)

    def _specific(self, codes: list[str]) -> list[str]:
        """`codes` without groupings or regions that a listed country already stands in for."""
        countries = {code for code in codes if self.taxonomy.markets.is_country(code)}
        markets = self.taxonomy.markets
        return [
            code
            for code in codes
            if code in countries or not (markets.get(code) and countries & markets.members(code))
        ]

    def _venue_in_text(self, draft: _Draft) -> Venue | None:
        """A venue city named after 'in', 'à', 'en', 'i', 'di'… in the title, summary or body."""
        for text in (draft.title, draft.summary, draft.body[:2000]):
            for match in _IN_CITY.finditer(text):
                words = match.group("place").split()
                for size in (3, 2, 1):
                    if len(words) >= size and (city := self._city(" ".join(words[:size]), draft)):
                        return Venue(city=city.name, country=city.country)
        return None

    def _city(self, name: str, draft: _Draft) -> City | None:
        """A large city of that name; the publisher's country's one when several share it."""
        large = [c for c in self.places.gazetteer.lookup(name) if c.population >= MIN_CITY_IN_TEXT]
        home = [c for c in large if c.country == draft.profile.publisher_country]
        return next(iter(home or large), None)

    def _read_products(self, draft: _Draft) -> None:
        listed = [code for value in _field_list(draft.raw, "hs_codes") for code in _hs(value)]
        draft.hs_codes = list(dict.fromkeys([*listed, *find_hs_codes(draft.text())]))
        labels = _field_list(draft.raw, "categories")
        lookups = draft.profile.lookups.get("categories")
        result = self.classifier.classify(
            title=draft.title,
            text="\n".join((draft.summary, draft.body)),
            language=draft.language,
            hs_codes=draft.hs_codes,
            labels=labels,
            lookups=lookups,
            defaults=draft.profile.sectors,
        )
        draft.sectors = list(result.sectors)
        draft.unknown_labels = list(result.unknown_labels)


def _hs(value: str) -> list[str]:
    digits = "".join(char for char in value if char.isdigit())
    if len(digits) in (2, 4, 6):
        return [digits]
    return find_hs_codes(f"HS {value}")


# Steps that need nothing but the draft


def _read_text(draft: _Draft) -> None:
    raw = draft.raw
    body = html_to_text(raw.body) if raw.body else ""
    summary = html_to_text(raw.summary) if raw.summary else ""
    draft.title = clean_title(raw.title, TITLE_CHARS) or clean_title(summary or body, limit=120)
    if not draft.title:
        draft.problems.append("title: empty")
    elif len(raw.title) > MAX_RAW_TITLE_CHARS:
        draft.problems.append(f"title: {len(raw.title):,} characters, shortened")
    draft.summary = summarize(summary or body, SUMMARY_CHARS)
    draft.body = body or summary
    if raw.body and "<" in raw.body and len(raw.body) <= MAX_HTML_CHARS:
        draft.extra["body_html"] = sanitize_html(raw.body)


def _read_language(draft: _Draft) -> None:
    draft.hint = normalize_language(draft.raw.language) or normalize_language(
        draft.profile.language
    )
    sample = "\n".join((draft.title, draft.summary, draft.body))[:LANGUAGE_SAMPLE_CHARS]
    draft.language = detect_language(sample, hint=draft.hint) or draft.hint


def _read_kind(draft: _Draft) -> None:
    label = _field(draft.raw, "kind")
    if not label:
        return
    mapped = draft.profile.lookups.get("kind", {}).get(label) or [label]
    try:
        draft.kind = Kind(mapped[0].strip().lower())
    except ValueError:
        draft.problems.append(f"kind: unknown kind {label!r}; kept {draft.kind.value}")


def _read_dates(draft: _Draft) -> None:
    raw, languages = draft.raw, draft.languages()
    zone = _field(raw, "timezone") or draft.profile.timezone

    def stamp(name: str) -> datetime | None:
        value = _field(raw, name)
        if not value:
            return None
        moment = parse_datetime(
            value, languages=languages, relative_to=raw.fetched_at, timezone=zone
        )
        if moment is None:
            draft.problems.append(f"{name}: no date in {_quote(value)}")
        return moment

    def span(name: str) -> DateSpan | None:
        value = _field(raw, name)
        if not value:
            return None
        result = parse_span(value, languages=languages, relative_to=raw.fetched_at)
        if result.problem:
            draft.problems.append(f"{name}: {result.problem}")
        return result.span

    draft.published_at, draft.updated_at = stamp("published"), stamp("updated")
    period = span("dates")
    starts, ends = span("starts"), span("ends")
    if period is None and starts is not None:
        period = DateSpan(starts.start, ends.last if ends else starts.end, starts.precision)
    deadline, effective = span("deadline"), span("effective")
    published_on = draft.published_at.date() if draft.published_at else None
    found = find_dates(
        draft.text(), languages=languages, relative_to=raw.fetched_at, published_on=published_on
    )
    _apply_dates(draft, period, deadline, effective, assign_dates(found, draft.kind))


def _apply_dates(
    draft: _Draft,
    period: DateSpan | None,
    deadline: DateSpan | None,
    effective: DateSpan | None,
    found: AssignedDates,
) -> None:
    if draft.kind is Kind.EVENT:
        if period is not None:
            draft.starts_on, draft.ends_on = period.start, period.last
            if period.imprecise:
                draft.extra["date_precision"] = period.precision.value
        else:
            draft.starts_on, draft.ends_on = found.starts_on, found.ends_on or found.starts_on
    draft.deadline = deadline.last if deadline else found.deadline
    if draft.kind is not Kind.EVENT:  # entry into force; for a scheme, the day it applies from
        draft.effective_on = effective.start if effective else found.effective_on
    if draft.published_at is None and found.published_on is not None:
        draft.published_at = datetime.combine(found.published_on, datetime.min.time(), UTC)
    if draft.starts_on and draft.ends_on and draft.ends_on < draft.starts_on:
        draft.problems.append(f"dates: end {draft.ends_on} before start {draft.starts_on}")
        draft.starts_on = draft.ends_on = None


def _read_other_fields(draft: _Draft) -> None:
    raw = draft.raw
    reference = _field(raw, "reference")
    draft.reference = clean_title(reference) if reference else draft.reference
    for name, value in raw.fields.items():
        if name not in KNOWN_FIELDS and value not in (None, "", []):
            draft.extra[name] = _extra_value(value)


def _document(draft: _Draft) -> Document:
    raw, profile = draft.raw, draft.profile
    organizer, provider = _field(raw, "organizer"), _field(raw, "provider")
    document = Document(
        id=document_id(profile.id, guid=raw.guid, url=raw.url),
        kind=draft.kind,
        title=draft.title or raw.url,
        url=raw.url,
        source_id=profile.id,
        summary=draft.summary,
        body=draft.body,
        language=draft.language,
        published_at=draft.published_at,
        updated_at=draft.updated_at,
        fetched_at=raw.fetched_at,
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        deadline=draft.deadline,
        effective_on=draft.effective_on,
        venue=draft.venue,
        countries=draft.countries,
        eligible_countries=draft.eligible_countries,
        sectors=draft.sectors,
        hs_codes=draft.hs_codes,
        organizer=clean_title(organizer) if organizer else None,
        provider=clean_title(provider) if provider else None,
        reference=draft.reference,
        extra=draft.extra,
    )
    document.content_hash = content_hash(document)
    return document


# Reading RawItem.fields, whose values are strings or lists of strings (or worse)


def _field(raw: RawItem, name: str) -> str | None:
    value = raw.fields.get(name)
    if isinstance(value, list | tuple):
        value = next((item for item in value if isinstance(item, str) and item.strip()), None)
    if value is None:
        return None
    text = clean_text(value if isinstance(value, str) else str(value))
    return text or None


def _field_list(raw: RawItem, name: str) -> list[str]:
    value = raw.fields.get(name)
    values: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
    cleaned = (clean_text(item if isinstance(item, str) else str(item)) for item in values if item)
    return [item for item in cleaned if item]


def _extra_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_extra_value(item) for item in value[:50]]
    if isinstance(value, str):
        return clean_text(value)[:MAX_EXTRA_CHARS]
    if isinstance(value, int | float | bool):
        return value
    return clean_text(str(value))[:MAX_EXTRA_CHARS]


def _quote(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")
