"""The domain types every stage shares: what crawlers emit, what the pipeline stores.

Plain dataclasses: validation happens at the edges (source definitions, API, JSONL import), so
inside the service a `Document` is trusted and cheap to build. `to_json`/`from_json` give the
API's JSON shape, which is also the store's payload and the JSONL import format.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "Document",
    "Frequency",
    "Kind",
    "RawItem",
    "RunStatus",
    "SourceLink",
    "SourceProfile",
    "Subscriber",
    "Subscription",
    "Venue",
    "utcnow",
]


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the only kind of datetime stored)."""
    return datetime.now(UTC)


class Kind(StrEnum):
    """What an item is about; decides which dates and market rules apply."""

    EVENT = "event"
    FINANCE = "finance"
    REGULATION = "regulation"


class Frequency(StrEnum):
    """How often a subscription's matches are sent."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


class RunStatus(StrEnum):
    """Outcome of one crawl of one source."""

    RUNNING = "running"
    SUCCESS = "success"
    DEGRADED = "degraded"  # finished, but an `expect` assertion failed or some items failed
    FAILED = "failed"


@dataclass(slots=True)
class Venue:
    """Where an event takes place; `country` is ISO 3166-1 alpha-2."""

    name: str | None = None
    city: str | None = None
    country: str | None = None


@dataclass(slots=True)
class SourceLink:
    """One source's copy of a document (a merged document keeps every source's link)."""

    source_id: str
    url: str


@dataclass(slots=True)
class RawItem:
    """One item as a crawler found it, before normalization.

    Text fields may hold HTML. `fields` carries what else the source type extracted, as strings
    or lists of strings, under these names (all optional; any other name ends up in
    `Document.extra`):

    - `dates` free text holding the event's date or range ("12–15 March 2027");
      `starts`, `ends` when the source gives them apart;
    - `deadline` (application, comment or registration), `effective` (entry into force),
      `published`, `updated` (timestamps, any common format);
    - `location` free-text place; `venue`, `city`, `country` when the source splits them;
    - `countries` markets the item is about; `eligible_countries` where applicants are based;
    - `categories` the source's own labels (mapped through lookups and keywords to sectors);
    - `hs_codes`, `organizer`, `provider`, `reference`, `kind`, `timezone` (IANA name).
    """

    source_id: str
    url: str
    fetched_at: datetime
    guid: str | None = None
    title: str = ""
    summary: str = ""
    body: str = ""
    language: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class SourceProfile:
    """What the pipeline needs to know about a source: its kind, language and defaults.

    Built from a source definition by the layer that wires crawlers to the pipeline, so the
    pipeline never imports the crawlers. `lookups` maps a RawItem field name to the source's
    own labels and the taxonomy codes (or kind) they stand for.
    """

    id: str
    kind: Kind
    language: str | None = None
    countries: tuple[str, ...] = ()  # markets every item concerns (events: venue country)
    sectors: tuple[str, ...] = ()
    timezone: str | None = None
    lookups: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    eligible_countries: tuple[str, ...] = ()  # finance: where applicants must be based
    publisher_country: str | None = None  # finance: the applicant's country when unstated


@dataclass(slots=True)
class Document:
    """One normalized item of any kind; the field names are the API's JSON names."""

    id: str
    kind: Kind
    title: str
    url: str
    source_id: str
    summary: str = ""
    body: str = ""
    language: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    fetched_at: datetime | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    deadline: date | None = None
    effective_on: date | None = None
    venue: Venue | None = None
    countries: list[str] = field(default_factory=list)
    eligible_countries: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    hs_codes: list[str] = field(default_factory=list)
    organizer: str | None = None
    provider: str | None = None
    reference: str | None = None
    content_hash: str = ""
    links: list[SourceLink] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The API's JSON shape: dates as ISO strings, enums as their values."""
        # Spelled out (in field order) because every stored and indexed document passes here.
        venue = self.venue
        return {
            "id": self.id,
            "kind": self.kind.value,
            "title": self.title,
            "url": self.url,
            "source_id": self.source_id,
            "summary": self.summary,
            "body": self.body,
            "language": self.language,
            "published_at": _iso(self.published_at),
            "updated_at": _iso(self.updated_at),
            "fetched_at": _iso(self.fetched_at),
            "starts_on": _iso(self.starts_on),
            "ends_on": _iso(self.ends_on),
            "deadline": _iso(self.deadline),
            "effective_on": _iso(self.effective_on),
            "venue": None
            if venue is None
            else {"name": venue.name, "city": venue.city, "country": venue.country},
            "countries": list(self.countries),
            "eligible_countries": list(self.eligible_countries),
            "sectors": list(self.sectors),
            "hs_codes": list(self.hs_codes),
            "organizer": self.organizer,
            "provider": self.provider,
            "reference": self.reference,
            "content_hash": self.content_hash,
            "links": [{"source_id": link.source_id, "url": link.url} for link in self.links],
            "extra": _json_value(self.extra),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        """Rebuild a document from `to_json` output (trusted input, e.g. the store's payload)."""
        get = data.get
        venue = get("venue")
        return cls(
            id=data["id"],
            kind=Kind(data["kind"]),
            title=data["title"],
            url=data["url"],
            source_id=data["source_id"],
            summary=get("summary") or "",
            body=get("body") or "",
            language=get("language"),
            published_at=_datetime(get("published_at")),
            updated_at=_datetime(get("updated_at")),
            fetched_at=_datetime(get("fetched_at")),
            starts_on=_date(get("starts_on")),
            ends_on=_date(get("ends_on")),
            deadline=_date(get("deadline")),
            effective_on=_date(get("effective_on")),
            venue=Venue(**venue) if venue else None,
            countries=list(get("countries") or ()),
            eligible_countries=list(get("eligible_countries") or ()),
            sectors=list(get("sectors") or ()),
            hs_codes=list(get("hs_codes") or ()),
            organizer=get("organizer"),
            provider=get("provider"),
            reference=get("reference"),
            content_hash=get("content_hash") or "",
            links=[SourceLink(**link) for link in get("links") or ()],
            extra=dict(get("extra") or {}),
        )


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    return value


@dataclass(slots=True)
class Subscriber:
    """A person receiving digests; nothing but the confirmation is sent before `confirmed_at`."""

    id: int | None
    email: str
    name: str | None = None
    organisation: str | None = None
    language: str = "en"
    timezone: str = "UTC"
    confirmed_at: datetime | None = None
    created_at: datetime | None = None
    unsubscribed_at: datetime | None = None  # set by an unsubscribe link: nothing more is sent


@dataclass(slots=True)
class Subscription:
    """What a subscriber wants to hear about; an empty condition means any."""

    id: int | None
    subscriber_id: int | None
    sectors: list[str] = field(default_factory=list)
    markets: list[str] = field(default_factory=list)
    home_country: str | None = None
    kinds: list[Kind] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    frequency: Frequency = Frequency.DAILY
    daily_hour: int = 7  # local hour of the daily digest, in the subscriber's time zone
    weekly_day: int = 0  # 0 = Monday, for weekly digests
