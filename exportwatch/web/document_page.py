"""The document page (GET /documents/{id}) and a one-event calendar file for events."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote, urlsplit

import icalendar
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from exportwatch.model import Document, Kind, utcnow
from exportwatch.services import Services
from exportwatch.store import NotFoundError
from exportwatch.web.document_view import make_document_view
from exportwatch.web.pages import labels_for
from exportwatch.web.safe_html import http_url
from exportwatch.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

CALENDAR_MEDIA_TYPE = "text/calendar; charset=utf-8"


@router.get("/documents/{document_id:path}.ics", response_class=Response)
def document_calendar(request: Request, document_id: str) -> Response:
    """The event as an all-day iCalendar event; 404 for unknown ids and undated items."""
    services: Services = request.app.state.services
    document = _document(services, document_id)
    if document.kind is not Kind.EVENT or document.starts_on is None:
        raise NotFoundError("calendar entry", document_id)
    filename = f"{quote(document.id, safe='')}.ics"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    body = _calendar(document, services)
    return Response(body, media_type=CALENDAR_MEDIA_TYPE, headers=headers)


@router.get("/documents/{document_id:path}", response_class=HTMLResponse)
def document_page(request: Request, document_id: str) -> HTMLResponse:
    """Every field of the stored document, its sanitized body and its sources' links."""
    services: Services = request.app.state.services
    document = _document(services, document_id)
    first_seen = services.store.document_first_seen(document.id)
    view = make_document_view(document, labels_for(services), first_seen)
    return render(request, "document.html", {"document": view, "back": _back_href(request)})


def _back_href(request: Request) -> str:
    """The search the visitor came from (same site only), else the default search."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path == "/" and referer.query:
        return f"/?{referer.query}"
    return "/"


def _document(services: Services, document_id: str) -> Document:
    found = services.store.get_document(document_id)
    if found is None:
        raise NotFoundError("document", document_id)
    return found


def _calendar(document: Document, services: Services) -> bytes:
    assert document.starts_on is not None
    authority = urlsplit(services.settings.base_url).hostname or "exportwatch"
    page = f"{services.settings.base_url}/documents/{quote(document.id, safe='')}"
    event = icalendar.Event()
    event.add("uid", f"{quote(document.id, safe='')}@{authority}")
    event.add("dtstamp", utcnow().replace(microsecond=0))
    event.add("dtstart", document.starts_on)
    last_day = max(document.ends_on or document.starts_on, document.starts_on)
    event.add("dtend", last_day + timedelta(days=1))  # exclusive end of an all-day event
    event.add("summary", document.title or document.id)
    event.add("url", http_url(document.url) or page)
    event.add("description", "\n\n".join(p for p in (document.summary, page) if p))
    venue = document.venue
    location = ", ".join(p for p in (venue.name, venue.city, venue.country) if p) if venue else ""
    if location:
        event.add("location", location)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//exportwatch//document//EN")
    calendar.add("version", "2.0")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
