"""The outbox viewer: emails written as `.eml` files when no SMTP relay is set, and digests
still waiting or given up in the store.

A message's HTML part is never served as is: it is shown as escaped source and, sanitized by
nh3, inside an iframe sandboxed to run nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from exportwatch.alerts.delivery import OutboxFile, list_outbox, read_outbox_message
from exportwatch.pipeline.text import sanitize_html
from exportwatch.services import Services
from exportwatch.store import NotFoundError
from exportwatch.web.admin.auth import guarded_router
from exportwatch.web.admin.paging import Pager
from exportwatch.web.templating import render

__all__ = ["HEADERS", "OUTBOX_PAGE_SIZE", "ShownMessage", "router", "show_message"]

OUTBOX_PAGE_SIZE = 25
HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe")

router = guarded_router()


@dataclass(frozen=True, slots=True)
class ShownMessage:
    """What the page shows of one message; `safe_html` went through nh3."""

    name: str
    headers: list[tuple[str, str]]
    text: str | None
    html_source: str | None
    safe_html: str | None


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    """Newest messages first, with From, To, Subject and Date; undelivered digests below."""
    services = _services(request)
    files = list_outbox(services.settings.outbox_dir)
    pager = Pager(page, len(files), size=OUTBOX_PAGE_SIZE)
    shown = files[pager.offset : pager.offset + pager.size]
    context = {
        "messages": [(entry, _sender(services, entry)) for entry in shown],
        "pager": pager,
        "outbox_dir": services.settings.outbox_dir,
        "undelivered": services.store.undelivered_digests(limit=50),
    }
    return render(request, "admin_outbox.html", context)


@router.get("/outbox/{name}", response_class=HTMLResponse)
def message_page(request: Request, name: str) -> Response:
    """One message: its headers, text part, and HTML part (escaped source and sanitized)."""
    message = read_outbox_message(_services(request).settings.outbox_dir, name)
    if message is None:
        raise NotFoundError("message", name)
    return render(request, "admin_message.html", {"message": show_message(name, message)})


def show_message(name: str, message: EmailMessage) -> ShownMessage:
    """The headers and parts of `message` made ready for display."""
    headers = [(header, str(message[header])) for header in HEADERS if message[header]]
    text = _part(message, "plain")
    html = _part(message, "html")
    return ShownMessage(
        name=name,
        headers=headers,
        text=text,
        html_source=html,
        safe_html=sanitize_html(html) if html else None,
    )


def _part(message: EmailMessage, subtype: str) -> str | None:
    try:
        body = message.get_body(preferencelist=(subtype,))
        if body is None or body.get_content_subtype() != subtype:
            return None
        content = body.get_content()
    except (KeyError, LookupError, ValueError):
        return None
    return content if isinstance(content, str) else None


def _sender(services: Services, entry: OutboxFile) -> str | None:
    message = read_outbox_message(services.settings.outbox_dir, entry.name)
    return str(message["From"]) if message is not None and message["From"] else None
