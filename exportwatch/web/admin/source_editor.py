"""Add or edit a source as YAML: validate and preview it, then save it to the sources dir.

"Validate & preview" checks the text like `sources check` (problems with their line) and reads
up to ten items without storing them (`exportwatch.previewing`). Only a text that validated may
be saved: the form carries an HMAC of the validated text, and saving checks it all again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import State

from exportwatch.crawlers import CheckedFile, SourceDefinition, definition_from_yaml
from exportwatch.errors import ConfigError
from exportwatch.jobs import sync_source_jobs
from exportwatch.pipeline.normalize import Normalizer
from exportwatch.previewing import PREVIEW_FIELDS, Preview, preview_source
from exportwatch.services import Services
from exportwatch.store import NotFoundError
from exportwatch.web.admin.auth import guarded_router
from exportwatch.web.admin.source_files import (
    MAX_DEFINITION_CHARS,
    DefinitionFileError,
    find_file,
    write_definition,
)
from exportwatch.web.admin.sources import check_sources
from exportwatch.web.csrf import require_csrf
from exportwatch.web.templating import render

__all__ = ["PREVIEW_LIMIT", "STARTER", "router"]

PREVIEW_LIMIT = 10
STARTER = """\
id: my-chamber-events
name: Trade fairs abroad of my chamber
kind: event
type: feed
url: https://www.example.org/events/feed.rss
schedule: every 6h
"""
_LINE = re.compile(r"\bline (\d+)")

router = guarded_router("/admin/sources")

Action = Literal["validate", "save"]
DefinitionText = Annotated[str, Form(max_length=MAX_DEFINITION_CHARS)]


@dataclass(frozen=True, slots=True)
class _Checked:
    """A validated definition, or the problem with the line it is on."""

    definition: SourceDefinition | None = None
    error: str | None = None
    line: int | None = None
    line_text: str | None = None


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


@router.get("/new", response_class=HTMLResponse)
def new_source(request: Request) -> Response:
    """An empty editor (a small example to start from)."""
    return _editor(request, None, STARTER)


@router.post("/new", dependencies=[Depends(require_csrf)])
def add_source(
    request: Request,
    definition: DefinitionText = "",
    action: Annotated[Action, Form()] = "validate",
    validated: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Validate and preview, or save a new source (never over an existing id)."""
    return _submit(request, None, _text(definition), action, validated)


@router.get("/{source_id}/edit", response_class=HTMLResponse)
def edit_source(request: Request, source_id: str) -> Response:
    """The editor holding the definition file's text."""
    path = find_file(check_sources(_services(request)), source_id)
    if path is None:
        raise NotFoundError("source", source_id)
    return _editor(request, source_id, path.read_text(encoding="utf-8", errors="replace"))


@router.post("/{source_id}/edit", dependencies=[Depends(require_csrf)])
def update_source(
    request: Request,
    source_id: str,
    definition: DefinitionText = "",
    action: Annotated[Action, Form()] = "validate",
    validated: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Validate and preview, or save the edited definition (its id stays)."""
    if find_file(check_sources(_services(request)), source_id) is None:
        raise NotFoundError("source", source_id)
    return _submit(request, source_id, _text(definition), action, validated)


def _text(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def _submit(
    request: Request, source_id: str | None, text: str, action: Action, validated: str
) -> Response:
    services = _services(request)
    checked_files = check_sources(services)
    checked = _check(services, checked_files, source_id, text)
    if checked.definition is None:
        return _editor(request, source_id, text, checked=checked, status=422)
    if action == "save" and hmac.compare_digest(validated, _seal(services, text)):
        return _save(request, services, checked_files, source_id, checked.definition, text)
    stale = action == "save"  # the text changed since it was validated: show it first
    preview = preview_source(
        checked.definition,
        services.settings,
        services.taxonomy,
        limit=PREVIEW_LIMIT,
        normalizer=_normalizer(request.app.state, services),
    )
    return _editor(request, source_id, text, checked=checked, preview=preview, stale=stale)


_NORMALIZER_LOCK = threading.Lock()


def _normalizer(app_state: State, services: Services) -> Normalizer:
    """One normalizer per app: building one takes most of a second."""
    with _NORMALIZER_LOCK:
        built: Normalizer | None = getattr(app_state, "admin_normalizer", None)
        if built is None:
            built = Normalizer(services.taxonomy)
            app_state.admin_normalizer = built
        return built


def _check(
    services: Services, checked_files: list[CheckedFile], source_id: str | None, text: str
) -> _Checked:
    name = f"{source_id}.yaml" if source_id else "new source"
    try:
        definition = definition_from_yaml(text, services.taxonomy, name=name)
    except ConfigError as error:
        return _problem(str(error), text)
    if source_id is not None and definition.id != source_id:
        return _problem(
            f"id: this file defines {source_id!r}; its id cannot change here "
            f"(add a new source for {definition.id!r} instead)",
            text,
        )
    if source_id is None:
        existing = find_file(checked_files, definition.id)
        if existing is not None:
            return _problem(
                f"id: a source {definition.id!r} exists already ({existing.name}): edit it "
                "instead, or choose another id",
                text,
            )
    return _Checked(definition=definition)


def _problem(message: str, text: str) -> _Checked:
    found = _LINE.search(message)
    line = int(found.group(1)) if found else None
    lines = text.splitlines()
    line_text = lines[line - 1] if line is not None and 0 < line <= len(lines) else None
    return _Checked(error=message, line=line, line_text=line_text)


def _seal(services: Services, text: str) -> str:
    key = services.settings.signing_key.encode()
    return hmac.new(key, b"admin-validated:" + text.encode(), hashlib.sha256).hexdigest()


def _save(
    request: Request,
    services: Services,
    checked_files: list[CheckedFile],
    source_id: str | None,
    definition: SourceDefinition,
    text: str,
) -> Response:
    replace = find_file(checked_files, source_id) if source_id else None
    try:
        write_definition(services.settings.sources_dir, definition.id, text, replace=replace)
    except DefinitionFileError as error:
        checked = _Checked(error=f"not saved: {error}")
        return _editor(request, source_id, text, checked=checked, status=409)
    scheduler = request.app.state.scheduler
    if scheduler is not None and scheduler.running:
        sync_source_jobs(scheduler, services)
    target = f"/admin?notice=saved&source={definition.id}"
    return RedirectResponse(target, status_code=303)


def _editor(
    request: Request,
    source_id: str | None,
    text: str,
    *,
    checked: _Checked | None = None,
    preview: Preview | None = None,
    stale: bool = False,
    status: int = 200,
) -> Response:
    services = _services(request)
    valid = checked is not None and checked.definition is not None
    context = {
        "source_id": source_id,
        "action_url": f"/admin/sources/{source_id}/edit" if source_id else "/admin/sources/new",
        "text": text,
        "checked": checked,
        "preview": preview,
        "preview_fields": PREVIEW_FIELDS,
        "stale": stale,
        "seal": _seal(services, text) if valid else None,
    }
    return render(request, "admin_source_editor.html", context, status=status)
