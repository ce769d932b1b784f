"""Scheduled jobs of the running service, as module-level functions.

APScheduler keeps jobs in the store's database by textual reference, so a job cannot carry the
open store or index with it; `bind` hands them over once at startup and each job reads them.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler

from exportwatch.search.sync import sync_outbox
from exportwatch.services import Services

__all__ = ["bind", "register_jobs", "sync_index"]

log = logging.getLogger(__name__)
_bound: Services | None = None


def bind(services: Services) -> None:
    """Give the jobs of this process the services they work on."""
    global _bound
    _bound = services


def register_jobs(scheduler: BaseScheduler, services: Services) -> None:
    """Bind the services and (re)register the service's recurring jobs."""
    bind(services)
    scheduler.add_job(
        "exportwatch.jobs:sync_index",
        "interval",
        seconds=services.settings.index_sync_seconds,
        id="index-sync",
        replace_existing=True,
    )


def sync_index() -> None:
    """Apply the store's queued index changes to the search index."""
    if _bound is None:
        raise RuntimeError("exportwatch.jobs.bind() was not called in this process")
    report = sync_outbox(_bound.store, _bound.index)
    if report.upserted or report.deleted or not report.ok:
        log.info(
            "index sync: %d upserted, %d deleted%s",
            report.upserted,
            report.deleted,
            f"; stopped: {report.error}" if report.error else "",
        )
