"""Saved searches as Atom and iCalendar feeds, and search results as a CSV download.

Each endpoint takes the search page's query parameters, so a search URL's query string works
unchanged. Hostile text from sources stays inert: XML and iCalendar escape it, CSV cells that a
spreadsheet would run as a formula get a leading quote (OWASP CSV-injection rule).
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote, urlsplit

import icalendar
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from exportwatch.model import Document, Kind, utcnow
from exportwatch.search import Index, Query, QueryError, Sort
from exportwatch.search.query import MAX_PAGE_SIZE
from exportwatch.services import Services
from exportwatch.taxonomy import Taxonomy
from exportwatch.web.search_params import Params, SearchParams, query_from_params

__all__ = [
    "ATOM_MEDIA_TYPE",
    "CALENDAR_MEDIA_TYPE",
    "CSV_COLUMNS",
    "CSV_MEDIA_TYPE",
    "MAX_CSV_ROWS",
    "MAX_EVENTS",
    "MAX_FEED_ENTRIES",
    "guard_cell",
    "router",
]

ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
CALENDAR_MEDIA_TYPE = "text/calendar; charset=utf-8"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
MAX_FEED_ENTRIES = MAX_PAGE_SIZE
MAX_EVENTS = 1000
MAX_CSV_ROWS = 10_000
CSV_COLUMNS = (
    "title",
    "kind",
    "starts_on",
    "ends_on",
    "deadline",
    "effective_on",
    "city",
    "country",
    "countries",
    "sectors",
    "source",
    "url",
)

ATOM_NS = "http://www.w3.org/2005/Atom"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 forbids even escaped; a source may still send them.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

router = APIRouter()


def guard_cell(value: str) -> str:
    """`value` made inert for spreadsheets: a leading formula character gets a `'` prefix."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@router.get("/feeds/search.atom", response_class=Response)
def search_atom(request: Request, params: Params) -> Response:
    """The newest (at most 100) results of a search as an Atom 1.0 feed."""
    services: Services = request.app.state.services
    try:
        # A feed lists newest first, whatever order the search page used.
        query = replace(query_from_params(params), sort=Sort.DATE)
        documents = list(_documents(services.index, query, MAX_FEED_ENTRIES))
    except QueryError as error:
        return _query_error(error)
    feed = _atom_feed(documents, services, params, request.url.query)
    return Response(feed, media_type=ATOM_MEDIA_TYPE)


@router.get("/feeds/events.ics", response_class=Response)
def events_ics(request: Request, params: Params) -> Response:
    """The events of a search as an iCalendar file of all-day events; upcoming by default."""
    services: Services = request.app.state.services
    try:
        query = query_from_params(params, sort=Sort.SOONEST, upcoming=True)
        query = replace(query, kinds=(Kind.EVENT,))
        documents = list(_documents(services.index, query, MAX_EVENTS))
    except QueryError as error:
        return _query_error(error)
    calendar = _calendar(documents, services)
    return Response(calendar, media_type=CALENDAR_MEDIA_TYPE)


@router.get("/export/search.csv", response_class=Response)
def search_csv(request: Request, params: Params) -> Response:
    """Up to 10,000 results of a search as a UTF-8 CSV file (with BOM, for spreadsheets)."""
    services: Services = request.app.state.services
    try:
        documents = _documents(services.index, query_from_params(params), MAX_CSV_ROWS)
        first = next(documents, None)  # runs the first page now, so a bad query gets a 422
    except QueryError as error:
        return _query_error(error)
    rows = _csv_lines(([first] if first else []), documents)
    filename = f"exportwatch-search-{utcnow().date().isoformat()}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(rows, media_type=CSV_MEDIA_TYPE, headers=headers)


def _documents(index: Index, query: Query, limit: int) -> Iterator[Document]:
    """Documents of every page of `query`, up to `limit`; QueryError comes with the first."""
    yielded = 0
    for page in range(1, -(-limit // query.size) + 1):
        results = index.search(replace(query, page=page))
        for hit in results.hits:
            if yielded == limit:
                return
            yield hit.document
            yielded += 1
        if page >= results.pages:
            return


def _query_error(error: QueryError) -> JSONResponse:
    return JSONResponse({"field": error.field, "message": error.message}, status_code=422)


# --- Atom -------------------------------------------------------------------------------------


def _atom_feed(
    documents: list[Document], services: Services, params: SearchParams, query_string: str
) -> bytes:
    base_url = services.settings.base_url
    suffix = f"?{query_string}" if query_string else ""
    self_url = f"{base_url}/feeds/search.atom{suffix}"
    generated = utcnow()
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", self_url)
    _sub(feed, "title", _feed_title(params))
    newest = max((_entry_time(d, generated) for d in documents), default=generated)
    _sub(feed, "updated", newest.isoformat())
    _link(feed, self_url, "self", "application/atom+xml")
    _link(feed, f"{base_url}/{suffix}", "alternate", "text/html")
    _sub(feed, "generator", "exportwatch")
    authority = urlsplit(base_url).hostname or "exportwatch"
    for document in documents:
        _atom_entry(feed, document, services, authority, generated)
    ET.register_namespace("", ATOM_NS)  # serialize as the default namespace, not `ns0:`
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def _atom_entry(
    feed: ET.Element, document: Document, services: Services, authority: str, now: datetime
) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
    _sub(entry, "id", f"tag:{authority},2026:document/{quote(document.id, safe='')}")
    _sub(entry, "title", document.title or document.id)
    _sub(entry, "updated", _entry_time(document, now).isoformat())
    if document.published_at:
        _sub(entry, "published", _utc(document.published_at).isoformat())
    author = ET.SubElement(entry, f"{{{ATOM_NS}}}author")
    _sub(author, "name", document.source_id)
    _link(entry, _safe_url(document, services.settings.base_url), "alternate", None)
    for code in document.sectors:
        category = ET.SubElement(entry, f"{{{ATOM_NS}}}category")
        category.set("term", _xml_text(code))
        category.set("label", _xml_text(_sector_name(services.taxonomy, code)))
    summary = document.summary or document.body[:500]
    if summary:
        _sub(entry, "summary", summary)


def _sub(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}").text = _xml_text(text)


def _link(parent: ET.Element, href: str, rel: str, media_type: str | None) -> None:
    link = ET.SubElement(parent, f"{{{ATOM_NS}}}link", rel=rel, href=_xml_text(href))
    if media_type:
        link.set("type", media_type)


def _xml_text(text: str) -> str:
    return XML_INVALID.sub("", text)


def _feed_title(params: SearchParams) -> str:
    """'exportwatch: dairy · sector food.dairy · market DE' — the search in words."""
    filters = [
        f"{label} {', '.join(values)}"
        for label, values in (
            ("kind", params.kind),
            ("sector", params.sector),
            ("market", params.market),
            ("language", params.lang),
            ("source", params.source),
        )
        if values
    ]
    parts = [params.q.strip(), *filters]
    return "exportwatch: " + (" · ".join(p for p in parts if p) or "all documents")


def _entry_time(document: Document, default: datetime) -> datetime:
    moment = document.updated_at or document.published_at or document.fetched_at
    return _utc(moment) if moment else default


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _safe_url(document: Document, base_url: str) -> str:
    """The document's own link when it is http(s); else its API page (never `javascript:`)."""
    if urlsplit(document.url.strip()).scheme.lower() in {"http", "https"}:
        return document.url.strip()
    return f"{base_url}/api/documents/{quote(document.id, safe='')}"


def _sector_name(taxonomy: Taxonomy, code: str) -> str:
    return taxonomy.sectors.name(code) if taxonomy.sectors.get(code) else code


# --- iCalendar --------------------------------------------------------------------------------


def _calendar(documents: list[Document], services: Services) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//exportwatch//feeds//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "exportwatch events")
    authority = urlsplit(services.settings.base_url).hostname or "exportwatch"
    stamp = utcnow().replace(microsecond=0)
    for document in documents:
        if document.starts_on is not None:
            event = _vevent(document, document.starts_on, services, authority)
            event.add("dtstamp", stamp)
            calendar.add_component(event)
    return bytes(calendar.to_ical())


def _vevent(
    document: Document, starts_on: date, services: Services, authority: str
) -> icalendar.Event:
    last_day = max(document.ends_on or starts_on, starts_on)
    url = _safe_url(document, services.settings.base_url)
    event = icalendar.Event()
    event.add("uid", f"{quote(document.id, safe='')}@{authority}")
    event.add("dtstart", starts_on)
    event.add("dtend", last_day + timedelta(days=1))  # DTEND of an all-day event is exclusive
    event.add("summary", document.title or document.id)
    event.add("description", "\n\n".join(p for p in (document.summary, url) if p))
    event.add("url", url)
    location = _location(document)
    if location:
        event.add("location", location)
    if document.sectors:
        names = [_sector_name(services.taxonomy, code) for code in document.sectors]
        event.add("categories", names)
    return event


def _location(document: Document) -> str:
    venue = document.venue
    parts = (venue.name, venue.city, venue.country) if venue else ()
    return ", ".join(part for part in parts if part)


# --- CSV --------------------------------------------------------------------------------------


def _csv_lines(head: list[Document], rest: Iterable[Document]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield b"\xef\xbb\xbf" + _drain(buffer)
    for chunk in _chunks(head, rest, 500):
        writer.writerows(_csv_row(document) for document in chunk)
        yield _drain(buffer)


def _chunks(head: list[Document], rest: Iterable[Document], size: int) -> Iterator[list[Document]]:
    chunk = list(head)
    for document in rest:
        chunk.append(document)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


def _csv_row(document: Document) -> list[str]:
    venue = document.venue
    cells = [
        document.title,
        document.kind.value,
        _iso(document.starts_on),
        _iso(document.ends_on),
        _iso(document.deadline),
        _iso(document.effective_on),
        (venue.city if venue else None) or "",
        (venue.country if venue else None) or "",
        "; ".join(document.countries),
        "; ".join(document.sectors),
        document.source_id,
        document.url,
    ]
    return [guard_cell(cell) for cell in cells]


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""
