"""Subscribing, double opt-in, unsubscribing and CSV import: the use cases behind CLI and web.

Input is validated by `SubscriberIn` and `SubscriptionIn` (addresses normalised, sector and
market names resolved to taxonomy codes, close codes suggested). Nothing but the confirmation
request is sent to an address until its signed `confirm` link is followed; an agency can add
clients who already consented as `confirmed`, and then nothing is sent at all.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo, available_timezones

import pycountry
from babel.core import get_global
from babel.dates import get_day_names
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from exportwatch.alerts.delivery import DeliveryError, Transport, transport_from_settings
from exportwatch.alerts.digest_model import Confirmation
from exportwatch.alerts.messages import clean_text, confirmation_message, safe_url
from exportwatch.alerts.tokens import (
    DEFAULT_MAX_AGE,
    TokenError,
    TokenPurpose,
    make_token,
    read_token,
)
from exportwatch.analysis import fold
from exportwatch.errors import ConfigError, ExportwatchError
from exportwatch.model import Frequency, Kind, Subscriber, Subscription, utcnow
from exportwatch.settings import Settings
from exportwatch.store import DuplicateSubscriberError, Store, normalize_email
from exportwatch.taxonomy import LANGUAGES, Taxonomy, country_codes, country_name

__all__ = [
    "FIELD_LABELS",
    "LINK_PATHS",
    "ConfirmationNotSentError",
    "ImportProgress",
    "ImportReport",
    "ImportRow",
    "InputProblem",
    "LinkError",
    "LinkOutcome",
    "SubscribeResult",
    "SubscriberIn",
    "SubscribingServices",
    "SubscriptionIn",
    "SubscriptionInputError",
    "UnsubscribedAddressError",
    "confirm",
    "confirmable",
    "import_csv",
    "link_url",
    "send_confirmation",
    "subscribe",
    "unsubscribe",
    "validate_input",
]

#: What each input field is called for people: the CLI option (without "--") and CSV column.
FIELD_LABELS: dict[str, str] = {
    "email": "email",
    "name": "name",
    "organisation": "organisation",
    "language": "language",
    "timezone": "timezone",
    "sectors": "sector",
    "markets": "market",
    "home_country": "home-country",
    "kinds": "kind",
    "keywords": "keyword",
    "languages": "subscription-language",
    "frequency": "frequency",
    "daily_hour": "daily-hour",
    "weekly_day": "weekly-day",
}
#: Where the links in emails lead, below `BASE_URL` (the web app serves these pages).
LINK_PATHS: dict[TokenPurpose, str] = {
    TokenPurpose.CONFIRM: "/subscriptions/confirm",
    TokenPurpose.UNSUBSCRIBE: "/subscriptions/unsubscribe",
    TokenPurpose.MANAGE: "/subscriptions/manage",
}
MAX_LIST_ITEMS = 50
MAX_TEXT = 200
_SUBSCRIBER_FIELDS = ("email", "name", "organisation", "language", "timezone")
_LIST_FIELDS = ("sectors", "markets", "kinds", "keywords", "languages")
_LANGUAGE_ALIASES = {"no": "nb", "nob": "nb", "in": "id", "iw": "he"}
_UTC_NAMES = {"utc", "gmt", "z", "zulu", "etc/utc", "etc/gmt"}


class SubscribingServices(Protocol):
    """What the use cases need of `exportwatch.services.Services`."""

    @property
    def settings(self) -> Settings: ...

    @property
    def taxonomy(self) -> Taxonomy: ...

    @property
    def store(self) -> Store: ...


# --- errors ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InputProblem:
    """One field at fault; `field` is the model's name, `label` what the user typed it as."""

    field: str
    message: str

    @property
    def label(self) -> str:
        """The CLI option / CSV column name of the field."""
        return FIELD_LABELS.get(self.field, self.field)

    def __str__(self) -> str:
        return f"{self.label}: {self.message}" if self.field else self.message


class SubscriptionInputError(ExportwatchError):
    """Subscriber or subscription fields that cannot be used; `problems` lists each field."""

    def __init__(self, problems: Iterable[InputProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


class UnsubscribedAddressError(ExportwatchError):
    """An address that unsubscribed cannot be re-added as already confirmed: only they can."""

    def __init__(self, email: str, when: datetime) -> None:
        self.email = email
        super().__init__(
            f"{email} unsubscribed on {when:%Y-%m-%d}; it can only be added again with "
            "double opt-in (a confirmation request), not as already confirmed"
        )


class ConfirmationNotSentError(ExportwatchError):
    """The confirmation request could not be handed over (`subscribe` then keeps nothing)."""


class LinkError(ExportwatchError):
    """A confirm or unsubscribe link that cannot be used, with what to do instead."""

    def __init__(
        self, reason: Literal["expired", "invalid", "unknown", "unsubscribed"], message: str
    ) -> None:
        self.reason = reason
        super().__init__(message)


# --- input models ---------------------------------------------------------------------------


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubscriberIn(_Input):
    """Who subscribes. `timezone` None: the home country's zone when it has one, else UTC."""

    email: str
    name: str | None = None
    organisation: str | None = None
    language: str = "en"
    timezone: str | None = None

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: object) -> str:
        text = _text(value)
        if not text:
            raise ValueError("an email address is required")
        try:
            checked = validate_email(text, check_deliverability=False)
        except EmailNotValidError as error:
            raise ValueError(f"malformed email address {text!r}: {error}") from None
        return normalize_email(checked.normalized)

    @field_validator("name", "organisation", mode="before")
    @classmethod
    def _line(cls, value: object) -> str | None:
        text = clean_text(_text(value))
        if len(text) > MAX_TEXT:
            raise ValueError(f"at most {MAX_TEXT} characters, not {len(text)}")
        return text or None

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: object) -> str:
        text = _text(value)
        return _language_tag(text) if text else "en"

    @field_validator("timezone", mode="before")
    @classmethod
    def _timezone(cls, value: object) -> str | None:
        text = _text(value)
        return _zone_name(text) if text else None

    def to_subscriber(self, home_country: str | None = None) -> Subscriber:
        """The model object to store (not yet confirmed)."""
        return Subscriber(
            id=None,
            email=self.email,
            name=self.name,
            organisation=self.organisation,
            language=self.language,
            timezone=self.timezone or _country_zone(home_country),
        )


class SubscriptionIn(_Input):
    """What they want to hear about; validate with `context={"taxonomy": taxonomy}`.

    Sectors and markets may be given as codes or names in any language ("Produits laitiers",
    "Deutschland", "EU"); they are stored as codes. Lists accept a single string too.
    """

    sectors: list[str] = []
    markets: list[str] = []
    home_country: str | None = None
    kinds: list[Kind] = []
    keywords: list[str] = []
    languages: list[str] = []
    frequency: Frequency = Frequency.DAILY
    daily_hour: int = 7
    weekly_day: int = 0

    @field_validator("sectors", mode="before")
    @classmethod
    def _sectors(cls, value: object, info: ValidationInfo) -> list[str]:
        taxonomy = _taxonomy(info)
        return _resolve_all(value, lambda text: _sector_code(text, taxonomy))

    @field_validator("markets", mode="before")
    @classmethod
    def _markets(cls, value: object, info: ValidationInfo) -> list[str]:
        taxonomy = _taxonomy(info)
        return _resolve_all(value, lambda text: _market_code(text, taxonomy))

    @field_validator("home_country", mode="before")
    @classmethod
    def _home_country(cls, value: object, info: ValidationInfo) -> str | None:
        text = _text(value)
        return _country_code(text, _taxonomy(info)) if text else None

    @field_validator("kinds", mode="before")
    @classmethod
    def _kinds(cls, value: object) -> list[str]:
        return _resolve_all(value, _kind)

    @field_validator("keywords", mode="before")
    @classmethod
    def _keywords(cls, value: object) -> list[str]:
        return _resolve_all(value, _keyword, key=str.casefold)

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, value: object) -> list[str]:
        return _resolve_all(value, _language_code)

    @field_validator("frequency", mode="before")
    @classmethod
    def _frequency(cls, value: object) -> str:
        text = _text(value).lower()
        if not text:
            return Frequency.DAILY.value
        if text not in {frequency.value for frequency in Frequency}:
            choices = ", ".join(frequency.value for frequency in Frequency)
            raise ValueError(f"must be one of {choices}, not {text!r}")
        return text

    @field_validator("daily_hour", mode="before")
    @classmethod
    def _daily_hour(cls, value: object) -> int:
        text = _text(value) or "7"
        hour, _, minutes = text.partition(":")
        if not hour.strip().isdigit() or minutes.strip("0") or not 0 <= int(hour) <= 23:
            raise ValueError(f"an hour from 0 to 23 (or 07:00), not {text!r}")
        return int(hour)

    @field_validator("weekly_day", mode="before")
    @classmethod
    def _weekly_day(cls, value: object) -> int:
        text = _text(value) or "0"
        if text.isdigit() and 0 <= int(text) <= 6:
            return int(text)
        day = _day_names().get(fold(text))
        if day is None:
            raise ValueError(f"a weekday name or 0 (Monday) to 6 (Sunday), not {text!r}")
        return day

    def to_subscription(self, subscriber_id: int | None = None) -> Subscription:
        """The model object to store."""
        return Subscription(
            id=None,
            subscriber_id=subscriber_id,
            sectors=list(self.sectors),
            markets=list(self.markets),
            home_country=self.home_country,
            kinds=list(self.kinds),
            keywords=list(self.keywords),
            languages=list(self.languages),
            frequency=self.frequency,
            daily_hour=self.daily_hour,
            weekly_day=self.weekly_day,
        )


def validate_input(
    subscriber_fields: Mapping[str, object],
    subscription_fields: Mapping[str, object],
    taxonomy: Taxonomy,
) -> tuple[SubscriberIn, SubscriptionIn]:
    """Both models, or SubscriptionInputError listing every problem of either (for forms)."""
    problems: list[InputProblem] = []
    subscriber = subscription = None
    try:
        subscriber = SubscriberIn.model_validate(dict(subscriber_fields))
    except ValidationError as error:
        problems.extend(_problems(error))
    try:
        subscription = SubscriptionIn.model_validate(
            dict(subscription_fields), context={"taxonomy": taxonomy}
        )
    except ValidationError as error:
        problems.extend(_problems(error))
    if subscriber is None or subscription is None:
        raise SubscriptionInputError(problems)
    return subscriber, subscription


# --- use cases ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubscribeResult:
    """What `subscribe` stored, and whether a confirmation request went out."""

    subscriber: Subscriber
    subscriptions: list[Subscription]
    confirmation_sent: bool


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    """After a link was followed: the subscriber (None if removed) and whether it changed them."""

    subscriber: Subscriber | None
    changed: bool


def subscribe(
    services: SubscribingServices,
    subscriber_fields: Mapping[str, object],
    subscription_fields: Mapping[str, object],
    *,
    confirmed: bool = False,
    now: datetime | None = None,
    transport: Transport | None = None,
) -> SubscribeResult:
    """Validate, store a subscriber with one subscription, and ask them to confirm.

    `confirmed` (agencies importing clients who consented) stores the address as confirmed and
    sends nothing. An address that unsubscribed earlier subscribes again (double opt-in anew).
    Raises SubscriptionInputError, DuplicateSubscriberError (the address is subscribed or
    awaiting confirmation), UnsubscribedAddressError, ConfirmationNotSentError, ConfigError.
    """
    now = now or utcnow()
    wanted, subscription = validate_input(subscriber_fields, subscription_fields, services.taxonomy)
    if not confirmed:
        transport = transport or _transport(services.settings)
    earlier = services.store.get_subscriber(wanted.email)
    if earlier is not None and earlier.unsubscribed_at is not None and confirmed:
        raise UnsubscribedAddressError(earlier.email, earlier.unsubscribed_at)
    stored, subscriptions = services.store.enrol_subscriber(
        wanted.to_subscriber(subscription.home_country),
        [subscription.to_subscription()],
        confirmed=confirmed,
        now=now,
    )
    if confirmed:
        return SubscribeResult(stored, subscriptions, confirmation_sent=False)
    try:
        send_confirmation(services, stored, now=now, transport=transport)
    except ConfirmationNotSentError as error:
        _undo_enrolment(services.store, stored, earlier)
        raise ConfirmationNotSentError(f"{error}; {stored.email} was not subscribed") from error
    return SubscribeResult(stored, subscriptions, confirmation_sent=True)


def send_confirmation(
    services: SubscribingServices,
    subscriber: Subscriber,
    *,
    now: datetime | None = None,
    transport: Transport | None = None,
) -> EmailMessage:
    """Send the double opt-in request with a fresh `confirm` link; returns the message sent.

    Also for a second request (the first was lost). Raises ConfirmationNotSentError.
    """
    if subscriber.id is None:
        raise ValueError("only a stored subscriber can be asked to confirm")
    settings = services.settings
    now = now or utcnow()
    request = Confirmation(
        subscriber=subscriber,
        confirm_url=link_url(settings, TokenPurpose.CONFIRM, subscriber.id, now=now),
        valid_for=DEFAULT_MAX_AGE[TokenPurpose.CONFIRM],
        generated_at=now,
    )
    try:
        message = confirmation_message(request, mail_from=settings.mail_from)
        (transport or _transport(settings)).send(message)
    except (DeliveryError, ValueError) as error:
        raise ConfirmationNotSentError(
            f"confirmation request to {subscriber.email} not sent ({error})"
        ) from error
    return message


def link_url(
    settings: Settings, purpose: TokenPurpose, subscriber_id: int, *, now: datetime | None = None
) -> str:
    """`{BASE_URL}/subscriptions/{confirm|unsubscribe|manage}?token=…` for one subscriber."""
    token = make_token(purpose, subscriber_id, settings.signing_key, now=now)
    return f"{settings.base_url}{LINK_PATHS[purpose]}?token={quote(token, safe='')}"


def confirmable(
    services: SubscribingServices, token: str, *, now: datetime | None = None
) -> Subscriber:
    """The subscriber a confirmation link is for, changing nothing (the page a link opens).

    Raises LinkError when the link expired, was altered, or its address is gone or unsubscribed.
    """
    subscriber_id = _read_link(services.settings, token, TokenPurpose.CONFIRM, now)
    subscriber = services.store.get_subscriber_by_id(subscriber_id)
    if subscriber is None:
        raise LinkError("unknown", "this subscription no longer exists: please subscribe again")
    if subscriber.unsubscribed_at is not None:
        raise LinkError(
            "unsubscribed",
            f"{subscriber.email} has unsubscribed since this link was sent: subscribe again "
            "to receive alerts",
        )
    return subscriber


def confirm(
    services: SubscribingServices, token: str, *, now: datetime | None = None
) -> LinkOutcome:
    """Confirm the subscriber of a confirmation link (`changed` the first time only).

    Raises LinkError as `confirmable` does.
    """
    subscriber = confirmable(services, token, now=now)
    assert subscriber.id is not None  # stored subscribers have ids
    changed = services.store.confirm_subscriber(subscriber.id, now or utcnow())
    return LinkOutcome(services.store.get_subscriber_by_id(subscriber.id), changed)


def unsubscribe(
    services: SubscribingServices, token: str, *, now: datetime | None = None
) -> LinkOutcome:
    """Follow an unsubscribe link: nothing more is sent. Following it again changes nothing.

    Raises LinkError only for an expired or altered link.
    """
    store = services.store
    subscriber_id = _read_link(services.settings, token, TokenPurpose.UNSUBSCRIBE, now)
    if store.get_subscriber_by_id(subscriber_id) is None:
        return LinkOutcome(None, changed=False)  # removed meanwhile: nothing is sent anyway
    changed = store.unsubscribe_subscriber(subscriber_id, now or utcnow())
    return LinkOutcome(store.get_subscriber_by_id(subscriber_id), changed)


# --- CSV import -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportRow:
    """The outcome of one CSV record: `line` is where it starts in the file (header = 1)."""

    line: int
    email: str
    error: str | None = None
    confirmation_sent: bool = False

    @property
    def ok(self) -> bool:
        """Whether the row was imported (or, in a dry run, would be)."""
        return self.error is None


@dataclass(slots=True)
class ImportReport:
    """Per-row outcomes; `problem` when the file as a whole could not be read."""

    path: Path
    rows: list[ImportRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    problem: str | None = None

    @property
    def imported(self) -> list[ImportRow]:
        """The rows stored (or valid, in a dry run)."""
        return [row for row in self.rows if row.ok]

    @property
    def failed(self) -> list[ImportRow]:
        """The rows refused, each with its reason."""
        return [row for row in self.rows if not row.ok]


ImportProgress = Callable[[int, int], None]  # (rows done, rows in the file)


def import_csv(
    services: SubscribingServices,
    path: Path,
    *,
    confirmed: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    transport: Transport | None = None,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Subscribe every row of a CSV file; a bad row is reported and the others still imported.

    Columns are named like the CLI options (`email`, `name`, `sector`, `market`,
    `home-country`, `kind`, `keyword`, `subscription-language`, `frequency`…; the model's
    field names work too); list cells separate items with ";" or "|". UTF-8, with or without
    a BOM; comma, semicolon or tab delimited. `progress(done, total)` is called per row.
    """
    report = ImportReport(Path(path))
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as error:
        report.problem = f"{path}: cannot read ({error.strerror or error})"
        return report
    except UnicodeDecodeError as error:
        report.problem = f"{path}: not UTF-8 text (byte {error.start}); save the file as CSV UTF-8"
        return report
    try:
        header, *records = _csv_records(text)
    except csv.Error as error:
        report.problem = f"{path}: not readable as CSV ({error})"
        return report
    except ValueError:
        report.problem = f"{path}: empty file"
        return report
    columns, report.ignored_columns = _columns(header[1])
    if "email" not in columns.values():
        report.problem = f"{path}: no 'email' column (columns: {', '.join(header[1])})"
        return report
    rows = [(line, cells) for line, cells in records if any(cell.strip() for cell in cells)]
    if transport is None and not confirmed and not dry_run:
        transport = _transport(services.settings)
    importer = _Importer(services, columns, len(header[1]), confirmed, dry_run, now, transport)
    for done, (line, cells) in enumerate(rows, start=1):
        report.rows.append(importer.row(line, cells))
        if progress is not None:
            progress(done, len(rows))
    return report


@dataclass(slots=True)
class _Importer:
    """Turns CSV records into subscriptions, remembering the addresses already seen."""

    services: SubscribingServices
    columns: dict[int, str]
    width: int  # cells in the header
    confirmed: bool
    dry_run: bool
    now: datetime | None
    transport: Transport | None
    seen: dict[str, int] = field(default_factory=dict)

    def row(self, line: int, cells: list[str]) -> ImportRow:
        values = {name: cells[i] for i, name in self.columns.items() if i < len(cells)}
        email = values.get("email", "").strip()
        if any(cell.strip() for cell in cells[self.width :]):
            return ImportRow(line, email, "more cells than the header has columns")
        first = self.seen.setdefault(normalize_email(email), line) if email else line
        if first != line:
            return ImportRow(line, email, f"duplicate address: already on line {first}")
        subscriber = {k: v for k, v in values.items() if k in _SUBSCRIBER_FIELDS}
        subscription = {
            k: _split(v) if k in _LIST_FIELDS else v
            for k, v in values.items()
            if k not in _SUBSCRIBER_FIELDS
        }
        try:
            if self.dry_run:
                _check_only(self.services, subscriber, subscription, self.confirmed)
                return ImportRow(line, email)
            result = subscribe(
                self.services,
                subscriber,
                subscription,
                confirmed=self.confirmed,
                now=self.now,
                transport=self.transport,
            )
        except ExportwatchError as error:  # bad input, duplicate, not sent: this row only
            return ImportRow(line, email, str(error))
        return ImportRow(line, result.subscriber.email, None, result.confirmation_sent)


def _check_only(
    services: SubscribingServices,
    subscriber_fields: Mapping[str, object],
    subscription_fields: Mapping[str, object],
    confirmed: bool,
) -> None:
    wanted, _ = validate_input(subscriber_fields, subscription_fields, services.taxonomy)
    earlier = services.store.get_subscriber(wanted.email)
    if earlier is None:
        return
    if earlier.unsubscribed_at is None:
        raise DuplicateSubscriberError(earlier.email)
    if confirmed:
        raise UnsubscribedAddressError(earlier.email, earlier.unsubscribed_at)


def _csv_records(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, cells) per record; quoted cells may span lines. Raises csv.Error."""
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    records: list[tuple[int, list[str]]] = []
    start = 1
    for cells in reader:
        records.append((start, cells))
        start = reader.line_num + 1
    return records


def _delimiter(header: str) -> str:
    """The delimiter that splits the header into the most known column names."""
    return max(
        (",", ";", "\t"),
        key=lambda sep: sum(_column_field(name) is not None for name in header.split(sep)),
    )


def _columns(header: list[str]) -> tuple[dict[int, str], list[str]]:
    columns: dict[int, str] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        found = _column_field(name)
        if found is None or found in columns.values():
            ignored.append(name)
        else:
            columns[index] = found
    return columns, ignored


def _column_field(name: str) -> str | None:
    return _column_names().get(fold(name.strip()).replace(" ", "-").replace("_", "-"))


@functools.cache
def _column_names() -> dict[str, str]:
    names = {"e-mail": "email", "mail": "email", "organization": "organisation"}
    names.update({"company": "organisation", "time-zone": "timezone"})
    for model_field, label in FIELD_LABELS.items():
        names[label] = model_field
        names[model_field.replace("_", "-")] = model_field
        if model_field in _LIST_FIELDS:
            names[f"{label}s"] = model_field
    return names


def _split(cell: str) -> list[str]:
    for separator in ";|":
        cell = cell.replace(separator, "\n")
    return [item.strip() for item in cell.split("\n") if item.strip()]


# --- helpers --------------------------------------------------------------------------------


def _transport(settings: Settings) -> Transport:
    if safe_url(f"{settings.base_url}/") is None:
        raise ConfigError(
            f"must be an absolute http(s) URL for links in emails, not {settings.base_url!r}",
            file="environment",
            entry="EXPORTWATCH_BASE_URL",
        )
    try:
        return transport_from_settings(settings)
    except ValueError as error:
        raise ConfigError(str(error), file="environment", entry="EXPORTWATCH_SMTP_URL") from None


def _undo_enrolment(store: Store, stored: Subscriber, earlier: Subscriber | None) -> None:
    """After a failed confirmation request: forget a new address, re-close a taken-back one."""
    if earlier is None:
        store.remove_subscriber(stored.email)
    elif stored.id is not None:
        store.unsubscribe_subscriber(stored.id, earlier.unsubscribed_at)


def _read_link(settings: Settings, token: str, purpose: TokenPurpose, now: datetime | None) -> int:
    what = "confirmation" if purpose is TokenPurpose.CONFIRM else purpose.value
    try:
        return read_token(token, purpose, settings.signing_key, now=now)
    except TokenError as error:
        if error.reason == "expired":
            days = DEFAULT_MAX_AGE[purpose].days
            raise LinkError(
                "expired",
                f"this {what} link has expired (links work for {days} days): "
                + (
                    "subscribe again for a new one"
                    if purpose is TokenPurpose.CONFIRM
                    else "use the link in a recent email"
                ),
            ) from None
        raise LinkError(
            "invalid", f"this {what} link is not valid: it may have been cut or altered"
        ) from None


def _taxonomy(info: ValidationInfo) -> Taxonomy:
    context = info.context
    taxonomy = context.get("taxonomy") if isinstance(context, dict) else None
    if not isinstance(taxonomy, Taxonomy):
        raise TypeError('validate SubscriptionIn with context={"taxonomy": taxonomy}')
    return taxonomy


def _problems(error: ValidationError) -> Iterator[InputProblem]:
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        cause = (item.get("ctx") or {}).get("error")
        if item["type"] == "extra_forbidden":
            yield InputProblem("", f"unknown field {name!r}")
        else:
            yield InputProblem(name, str(cause) if cause is not None else item["msg"])


def _text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise ValueError(f"expected text, not {type(value).__name__}")
    return str(value).strip()


def _resolve_all(
    value: object, resolve: Callable[[str], str], *, key: Callable[[str], str] = str
) -> list[str]:
    """Each non-blank item resolved, duplicates dropped, in order."""
    if value is None:
        items: list[object] = []
    elif isinstance(value, str):
        items = [value]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError(f"expected a list, not {type(value).__name__}")
    unique: dict[str, str] = {}
    errors: list[str] = []
    for text in map(_text, items):
        try:
            code = resolve(text) if text else ""
        except ValueError as error:
            errors.append(str(error))
        else:
            if code:
                unique.setdefault(key(code), code)
    if errors:
        raise ValueError("; ".join(errors))
    if len(unique) > MAX_LIST_ITEMS:
        raise ValueError(f"at most {MAX_LIST_ITEMS} items, not {len(unique)}")
    return list(unique.values())


def _hint(text: str, names: Mapping[str, str], describe: Callable[[str], str]) -> str:
    close = difflib.get_close_matches(fold(text), list(names), n=6, cutoff=0.7)
    codes = list(dict.fromkeys(names[name] for name in close))[:3]
    if not codes:
        return ""
    return f" (did you mean {', '.join(f'{code!r} ({describe(code)})' for code in codes)}?)"


def _sector_code(text: str, taxonomy: Taxonomy) -> str:
    sectors = taxonomy.sectors
    code = sectors.resolve(text)
    if code is None:
        hint = _hint(text, _sector_names(taxonomy), sectors.name)
        raise ValueError(f"unknown sector {text!r}{hint}")
    return code


def _market_code(text: str, taxonomy: Taxonomy) -> str:
    markets = taxonomy.markets
    upper = text.upper()
    if upper in markets or upper in country_codes():
        return upper
    code = markets.resolve_market(text) or markets.resolve_market(upper)
    if code is None:
        hint = _hint(text, _market_names(taxonomy), markets.name)
        raise ValueError(f"unknown market {text!r}{hint}")
    return code


def _country_code(text: str, taxonomy: Taxonomy) -> str:
    markets = taxonomy.markets
    upper = text.upper()
    code = upper if upper in country_codes() else markets.resolve_country(text)
    code = code or markets.resolve_country(upper)
    if code is not None:
        return code
    grouping = markets.resolve_grouping(text)
    if grouping is not None:
        raise ValueError(f"must be one country, not the grouping {grouping!r}")
    countries = {k: v for k, v in _market_names(taxonomy).items() if v in country_codes()}
    raise ValueError(f"unknown country {text!r}{_hint(text, countries, markets.name)}")


@functools.lru_cache(maxsize=4)  # per taxonomy; one in production
def _sector_names(taxonomy: Taxonomy) -> dict[str, str]:
    names: dict[str, str] = {}
    for sector in taxonomy.sectors:
        for name in (sector.code, *sector.names.values()):
            names.setdefault(fold(name), sector.code)
    return names


@functools.lru_cache(maxsize=4)  # per taxonomy; one in production
def _market_names(taxonomy: Taxonomy) -> dict[str, str]:
    names: dict[str, str] = {}
    for grouping in taxonomy.markets:
        for name in (grouping.code, *grouping.aliases, *grouping.names.values()):
            names.setdefault(fold(name), grouping.code)
    for code in sorted(country_codes()):
        names.setdefault(fold(code), code)
        names.setdefault(fold(country_name(code, "en")), code)
    return names


def _kind(text: str) -> str:
    word = text.lower()
    for kind in Kind:
        if word in (kind.value, f"{kind.value}s"):
            return kind.value
    choices = ", ".join(kind.value for kind in Kind)
    raise ValueError(f"unknown kind {text!r} (one of {choices})")


def _keyword(text: str) -> str:
    keyword = clean_text(text)
    if len(keyword) > 100:
        raise ValueError(f"keyword {keyword[:20]!r}… is longer than 100 characters")
    return keyword


def _language_code(text: str) -> str:
    """ISO 639-1 code for a code ("de", "deu", "de-AT") or an English name ("German")."""
    code = text.strip().replace("_", "-").split("-")[0].lower()
    found = None
    if len(code) in (2, 3) and code.isascii() and code.isalpha():
        code = _LANGUAGE_ALIASES.get(code, code)
        found = pycountry.languages.get(alpha_2=code) or pycountry.languages.get(alpha_3=code)
    if found is None:
        try:
            found = pycountry.languages.lookup(text.strip())
        except LookupError:
            found = None
    alpha_2 = getattr(found, "alpha_2", None)
    if not isinstance(alpha_2, str):
        raise ValueError(f"unknown language {text!r} (an ISO 639-1 code such as 'de')")
    return _LANGUAGE_ALIASES.get(alpha_2, alpha_2)


def _language_tag(text: str) -> str:
    """The language of emails: an ISO 639-1 code, with a region when given ("de-AT")."""
    language = _language_code(text)
    parts = text.strip().replace("_", "-").split("-")
    region = parts[1].upper() if len(parts) == 2 else ""
    return f"{language}-{region}" if region in country_codes() else language


def _zone_name(text: str) -> str:
    if text.lower() in _UTC_NAMES:
        return "UTC"
    zones = _zones()
    found = zones.get(text.lower())
    if found is None:
        close = difflib.get_close_matches(text.lower(), list(zones), n=3, cutoff=0.7)
        hint = ", ".join(repr(zones[zone]) for zone in close)
        hint = f"did you mean {hint}?" if hint else "an IANA name such as 'Europe/Berlin'"
        raise ValueError(f"unknown time zone {text!r} ({hint})")
    return found


@functools.cache
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def _country_zone(country: str | None) -> str:
    """The country's time zone when all its zones keep the same clock; else UTC."""
    zones: list[str] = get_global("territory_zones").get(country or "", [])
    known = [zone for zone in zones if zone.lower() in _zones()]
    if not known:
        return "UTC"
    clocks = {
        tuple(ZoneInfo(zone).utcoffset(datetime(2025, month, 15)) for month in (1, 7))
        for zone in known
    }
    return known[0] if len(clocks) == 1 else "UTC"


@functools.cache
def _day_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for language in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for day, name in get_day_names(width, locale=language).items():
                names.setdefault(fold(str(name)).rstrip("."), day)
    return names
