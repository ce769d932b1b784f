"""Read documents in the API's JSON shape from JSONL: partners exporting their own calendars.

Each line is validated on its own (pydantic, codes checked against the taxonomy); a bad line
becomes an error naming the line and field, and the good lines are imported regardless.
Text is cleaned like crawled text, the id is derived when missing, and the content hash is
always computed here, never trusted from the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import (
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from exportwatch.model import Document, Kind, SourceLink, Venue
from exportwatch.pipeline.identity import content_hash, document_id
from exportwatch.pipeline.text import clean_text, clean_title, html_to_text
from exportwatch.taxonomy import Taxonomy

__all__ = ["DocumentIn", "LineError", "read_jsonl"]

MAX_LINE_BYTES = 2_000_000


class VenueIn(BaseModel):
    """An event's venue; `country` is ISO 3166-1 alpha-2."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    city: str | None = None
    country: str | None = None


class LinkIn(BaseModel):
    """Another source's copy of the document."""

    model_config = ConfigDict(extra="forbid")

    source_id: str = Field(min_length=1)
    url: AnyHttpUrl


class DocumentIn(BaseModel):
    """One document as the API returns it (and as partners may send it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str | None = Field(default=None, min_length=1, max_length=200)
    kind: Kind
    title: str = Field(min_length=1)
    url: AnyHttpUrl
    source_id: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    summary: str = ""
    body: str = ""
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    published_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    fetched_at: AwareDatetime | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    deadline: date | None = None
    effective_on: date | None = None
    venue: VenueIn | None = None
    countries: list[str] = []
    eligible_countries: list[str] = []
    sectors: list[str] = []
    hs_codes: list[str] = []
    organizer: str | None = None
    provider: str | None = None
    reference: str | None = None
    content_hash: str | None = None  # accepted for round trips, recomputed
    links: list[LinkIn] = []
    extra: dict[str, Any] = {}

    @field_validator("countries", "eligible_countries")
    @classmethod
    def _markets(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        taxonomy = _taxonomy(info)
        unknown = [
            c for c in codes if not taxonomy.markets.is_country(c) and c not in taxonomy.markets
        ]
        if unknown:
            raise ValueError(f"unknown country or grouping code(s): {', '.join(unknown)}")
        return codes

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        unknown = [code for code in codes if code not in _taxonomy(info).sectors]
        if unknown:
            raise ValueError(f"unknown sector code(s): {', '.join(unknown)}")
        return codes

    @field_validator("hs_codes")
    @classmethod
    def _hs_codes(cls, codes: list[str]) -> list[str]:
        bad = [code for code in codes if not (code.isdigit() and len(code) in (2, 4, 6))]
        if bad:
            raise ValueError(f"HS codes are 2, 4 or 6 digits: {', '.join(bad)}")
        return codes

    @model_validator(mode="after")
    def _dates_in_order(self) -> DocumentIn:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError(f"ends_on {self.ends_on} is before starts_on {self.starts_on}")
        if self.venue and self.venue.country and len(self.venue.country) != 2:
            raise ValueError(f"venue.country must be ISO alpha-2, not {self.venue.country!r}")
        return self

    def to_document(self, fetched_at: datetime) -> Document:
        """The document to store: text cleaned, id derived if missing, hash computed."""
        url = str(self.url)
        venue = self.venue
        document = Document(
            id=self.id or document_id(self.source_id, guid=None, url=url),
            kind=self.kind,
            title=clean_title(self.title),
            url=url,
            source_id=self.source_id,
            summary=_plain(self.summary),
            body=_plain(self.body),
            language=self.language,
            published_at=self.published_at,
            updated_at=self.updated_at,
            fetched_at=self.fetched_at or fetched_at,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            deadline=self.deadline,
            effective_on=self.effective_on,
            venue=Venue(venue.name, venue.city, venue.country) if venue else None,
            countries=self.countries,
            eligible_countries=self.eligible_countries,
            sectors=self.sectors,
            hs_codes=self.hs_codes,
            organizer=self.organizer,
            provider=self.provider,
            reference=self.reference,
            links=[SourceLink(link.source_id, str(link.url)) for link in self.links],
            extra=self.extra,
        )
        document.content_hash = content_hash(document)
        return document


@dataclass(frozen=True, slots=True)
class LineError:
    """Why one line of the file was not imported."""

    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"


def read_jsonl(
    path: Path, taxonomy: Taxonomy, *, fetched_at: datetime
) -> Iterator[Document | LineError]:
    """Each line of `path` as a Document, or as the error that kept it out."""
    with path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                yield _read_line(number, line, taxonomy, fetched_at)


def _read_line(
    number: int, line: bytes, taxonomy: Taxonomy, fetched_at: datetime
) -> Document | LineError:
    if len(line) > MAX_LINE_BYTES:
        return LineError(number, None, f"line is {len(line):,} bytes, over {MAX_LINE_BYTES:,}")
    try:
        data = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return LineError(number, None, f"not JSON: {error}")
    if not isinstance(data, dict):
        return LineError(number, None, f"expected a JSON object, got {type(data).__name__}")
    try:
        parsed = DocumentIn.model_validate(data, context={"taxonomy": taxonomy})
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        message = first["msg"].removeprefix("Value error, ")  # pydantic's prefix for ValueError
        return LineError(number, field, message + more)
    return parsed.to_document(fetched_at)


def _plain(text: str) -> str:
    return html_to_text(text) if "<" in text else clean_text(text)


def _taxonomy(info: ValidationInfo) -> Taxonomy:
    context: dict[str, Any] = info.context or {}
    return context["taxonomy"]  # type: ignore[no-any-return]
