"""What the document page shows: every normalized field, labelled and named, links checked.

Codes become names (sectors, countries, language, source); only absolute http(s) links are
kept as links, so a scraped `javascript:` URL can never become clickable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from markupsafe import Markup

from exportwatch.model import Document, Kind
from exportwatch.web.labels import Labels, format_day
from exportwatch.web.safe_html import body_markup, http_url
from exportwatch.web.search_view import describe_when

__all__ = ["DocumentView", "Field", "SourceLinkView", "make_document_view"]


@dataclass(frozen=True, slots=True)
class Field:
    """One labelled value; `href` links it (to a search) when set."""

    label: str
    values: tuple[tuple[str, str], ...]  # (text, href or "")


@dataclass(frozen=True, slots=True)
class SourceLinkView:
    """A source's copy of the document."""

    source: str
    url: str


@dataclass(frozen=True, slots=True)
class DocumentView:
    """The document page's content."""

    id: str
    title: str
    kind: str
    kind_label: str
    when: str
    summary: str
    body: Markup
    paragraphs: tuple[str, ...]  # the plain body when there is no sanitized HTML
    fields: tuple[Field, ...]
    links: tuple[SourceLinkView, ...]
    calendar_href: str | None


def make_document_view(
    document: Document, labels: Labels, first_seen: datetime | None = None
) -> DocumentView:
    """The page content for `document`; `first_seen` is when the store first had it."""
    html = document.extra.get("body_html")
    body = body_markup(html) if isinstance(html, str) else Markup("")
    return DocumentView(
        id=document.id,
        title=document.title or document.id,
        kind=document.kind.value,
        kind_label=labels.kind(document.kind.value),
        when=describe_when(document),
        summary=document.summary,
        body=body,
        paragraphs=() if body else _paragraphs(document.body),
        fields=tuple(field for field in _fields(document, labels, first_seen) if field.values),
        links=_links(document, labels),
        calendar_href=_calendar_href(document),
    )


def _fields(document: Document, labels: Labels, first_seen: datetime | None) -> list[Field]:
    venue = document.venue
    eligible = document.eligible_countries
    return [
        _one("Type", labels.kind(document.kind.value), _search("kind", document.kind.value)),
        _one("Starts", format_day(document.starts_on)),
        _one("Ends", format_day(document.ends_on)),
        _one(_deadline_label(document), format_day(document.deadline)),
        _one("In force from", format_day(document.effective_on)),
        _one("Venue", venue.name if venue and venue.name else ""),
        _one("City", venue.city if venue and venue.city else ""),
        _one(
            "Country",
            labels.market(venue.country) if venue and venue.country else "",
            _search("market", venue.country) if venue and venue.country else "",
        ),
        _many("Markets", [(labels.market(c), _search("market", c)) for c in document.countries]),
        _many("Open to applicants from", [(labels.market(c), "") for c in eligible]),
        _many("Sectors", [(labels.sector(c), _search("sector", c)) for c in document.sectors]),
        _many("HS codes", [(code, "") for code in document.hs_codes]),
        _one("Organizer", document.organizer or ""),
        _one("Provider", document.provider or ""),
        _one("Reference", document.reference or ""),
        _one("Language", labels.language(document.language) if document.language else ""),
        _one("Source", labels.source(document.source_id), _search("source", document.source_id)),
        _one("Published", _moment(document.published_at)),
        _one("Updated", _moment(document.updated_at)),
        _one("First seen", _moment(first_seen)),
        _one("Last fetched", _moment(document.fetched_at)),
    ]


def _one(label: str, text: str, href: str = "") -> Field:
    return Field(label, ((text, href),) if text else ())


def _many(label: str, values: list[tuple[str, str]]) -> Field:
    return Field(label, tuple(values))


def _search(param: str, value: str) -> str:
    return f"/?{param}={quote(value, safe='')}&upcoming=false"


def _deadline_label(document: Document) -> str:
    return {
        Kind.EVENT: "Registration deadline",
        Kind.FINANCE: "Application deadline",
        Kind.REGULATION: "Comments until",
    }[document.kind]


def _moment(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return f"{format_day(moment.date())}, {moment:%H:%M} {moment.tzname() or 'UTC'}"


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("\n\n") if part.strip())


def _links(document: Document, labels: Labels) -> tuple[SourceLinkView, ...]:
    seen: set[str] = set()
    links: list[SourceLinkView] = []
    candidates = [(document.source_id, document.url)]
    candidates += [(link.source_id, link.url) for link in document.links]
    for source_id, url in candidates:
        safe = http_url(url)
        if safe and safe not in seen:
            seen.add(safe)
            links.append(SourceLinkView(labels.source(source_id), safe))
    return tuple(links)


def _calendar_href(document: Document) -> str | None:
    if document.kind is not Kind.EVENT or document.starts_on is None:
        return None
    return f"/documents/{quote(document.id, safe='')}.ics"
