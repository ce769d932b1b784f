"""The admin start page: every source with its health, and run now / enable / disable.

Health and freshness are the `/api/sources` values (`exportwatch.web.source_status`). "Run
now" hands the crawl to the scheduler as a one-off job (repeated clicks replace the waiting job)
or, without a scheduler, to a background thread; either way the page only says it is queued.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from apscheduler.schedulers.base import BaseScheduler
from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import State

from exportwatch.crawlers import CheckedFile, SourceDefinition, check_definitions
from exportwatch.crawling import Crawler
from exportwatch.jobs import CRAWL_PREFIX
from exportwatch.model import utcnow
from exportwatch.services import Services
from exportwatch.store import NotFoundError
from exportwatch.web.admin.auth import guarded_router
from exportwatch.web.csrf import require_csrf
from exportwatch.web.source_status import source_responses
from exportwatch.web.templating import render

__all__ = ["NOTICES", "RUN_NOW_PREFIX", "check_sources", "queue_crawl", "router"]

log = logging.getLogger(__name__)

RUN_NOW_PREFIX = "run-now:"
NOTICES = {
    "queued": "A crawl of {source} is queued; its result appears here when it is done.",
    "running": "{source} is being crawled already; its result appears here when it is done.",
    "inactive": "{source} is disabled: enable it before running it.",
    "enabled": "{source} is enabled again.",
    "disabled": "{source} is disabled; scheduled crawls skip it until it is enabled.",
    "saved": "The definition of {source} is saved.",
}

router = guarded_router()


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def check_sources(services: Services) -> list[CheckedFile]:
    """Every file of the sources dir with its definition or its problem."""
    return check_definitions([services.settings.sources_dir], services.taxonomy)


def _definition(services: Services, source_id: str) -> SourceDefinition:
    for outcome in check_sources(services):
        if outcome.definition is not None and outcome.definition.id == source_id:
            return outcome.definition
    raise NotFoundError("source", source_id)


@router.get("", response_class=HTMLResponse)
def sources_page(
    request: Request,
    notice: Annotated[str, Query(max_length=20)] = "",
    source: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The sources table: health, freshness, next run and the actions."""
    services = _services(request)
    checked = check_sources(services)
    definitions = [outcome.definition for outcome in checked if outcome.definition is not None]
    message = NOTICES[notice].format(source=source) if notice in NOTICES and source else None
    context = {
        "sources": source_responses(services, definitions),
        "disabled_in_file": {d.id for d in definitions if not d.enabled},
        "broken": [outcome for outcome in checked if outcome.error is not None],
        "scheduled": _scheduled(request.app.state.scheduler),
        "notice": message,
    }
    return render(request, "admin_sources.html", context)


def _scheduled(scheduler: BaseScheduler | None) -> dict[str, datetime]:
    """Next run time of each source's crawl job, when a scheduler runs."""
    if scheduler is None or not scheduler.running:
        return {}
    due: dict[str, datetime] = {}
    for job in scheduler.get_jobs():
        when = getattr(job, "next_run_time", None)
        if job.id.startswith((CRAWL_PREFIX, RUN_NOW_PREFIX)) and isinstance(when, datetime):
            source_id = str(job.args[0])
            due[source_id] = min(when, due.get(source_id, when))
    return due


@router.post("/sources/{source_id}/run", dependencies=[Depends(require_csrf)])
def run_now(request: Request, source_id: str) -> Response:
    """Queue one crawl of the source now."""
    services = _services(request)
    definition = _definition(services, source_id)
    state = services.store.get_source_state(source_id)
    if not definition.enabled or (state is not None and not state.enabled):
        return _back("inactive", source_id)
    queued = queue_crawl(request.app.state, services, definition)
    return _back("queued" if queued else "running", source_id)


def queue_crawl(app_state: State, services: Services, definition: SourceDefinition) -> bool:
    """Crawl `definition` soon; False when a crawl of it started by this page still runs."""
    scheduler: BaseScheduler | None = getattr(app_state, "scheduler", None)
    if scheduler is not None and scheduler.running:
        # crawl_source skips a source whose next run lies ahead (backoff): the admin overrides.
        services.store.update_source_state(definition.id, next_run_at=None)
        scheduler.add_job(
            "exportwatch.jobs:crawl_source",
            args=[definition.id],
            id=RUN_NOW_PREFIX + definition.id,
            name=f"crawl {definition.id} (run now)",
            next_run_time=utcnow(),
            replace_existing=True,
            misfire_grace_time=None,
        )
        return True
    with _THREADS_LOCK:
        threads = _threads(app_state)
        running = threads.get(definition.id)
        if running is not None and running.is_alive():
            return False
        thread = threading.Thread(
            target=_crawl, args=(services, definition), name=f"admin-crawl-{definition.id}"
        )
        thread.daemon = True
        threads[definition.id] = thread
        thread.start()
    return True


_THREADS_LOCK = threading.Lock()


def _threads(app_state: State) -> dict[str, threading.Thread]:
    threads = getattr(app_state, "admin_crawls", None)
    if threads is None:
        threads = {}
        app_state.admin_crawls = threads
    return threads


def _crawl(services: Services, definition: SourceDefinition) -> None:
    try:
        report = Crawler(services).crawl(definition)
        log.info("admin run of %s: %s", definition.id, report.status.value)
    except Exception:  # the thread has no caller to tell: the log has it
        log.exception("admin run of %s failed", definition.id)


@router.post("/sources/{source_id}/enable", dependencies=[Depends(require_csrf)])
def enable(request: Request, source_id: str) -> Response:
    """Let the scheduler crawl the source again (also after a 410 Gone disabled it)."""
    services = _services(request)
    _definition(services, source_id)
    services.store.update_source_state(source_id, enabled=True, disabled_reason=None)
    return _back("enabled", source_id)


@router.post("/sources/{source_id}/disable", dependencies=[Depends(require_csrf)])
def disable(request: Request, source_id: str) -> Response:
    """Stop crawling the source, the way a 410 Gone does, until someone enables it."""
    services = _services(request)
    _definition(services, source_id)
    reason = f"disabled by an admin ({utcnow():%Y-%m-%d})"
    services.store.update_source_state(source_id, enabled=False, disabled_reason=reason)
    return _back("disabled", source_id)


def _back(notice: str, source_id: str) -> RedirectResponse:
    return RedirectResponse(
        "/admin?" + urlencode({"notice": notice, "source": source_id}), status_code=303
    )
