"""Scheduled jobs of the running service, as module-level functions.

APScheduler keeps jobs in the store's database by textual reference, so a job cannot carry the
open store or index with it; `bind` hands them over once at startup and each job reads them.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from exportwatch.alerts.digests import run_digests
from exportwatch.crawlers import SourceDefinition, check_definitions
from exportwatch.crawling import Crawler
from exportwatch.model import utcnow
from exportwatch.search.sync import sync_outbox
from exportwatch.services import Services

__all__ = [
    "bind",
    "crawl_source",
    "housekeeping",
    "register_jobs",
    "send_digests",
    "sync_index",
    "sync_source_jobs",
]

log = logging.getLogger(__name__)
CRAWL_PREFIX = "crawl:"
SOURCES_SYNC_SECONDS = 300  # how soon an edited definition takes effect
DIGEST_SECONDS = 300  # "immediate" alerts go out within this long
RUN_HISTORY = timedelta(days=90)  # run records kept for the admin pages
CRON_SPREAD_SECONDS = 300  # sources sharing a cron time start up to this far apart
_bound: Services | None = None
_crawler: Crawler | None = None


def bind(services: Services) -> None:
    """Give the jobs of this process the services they work on."""
    global _bound, _crawler
    _bound, _crawler = services, None


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
    scheduler.add_job(
        "exportwatch.jobs:resync_sources",
        "interval",
        seconds=SOURCES_SYNC_SECONDS,
        id="sources-sync",
        replace_existing=True,
    )
    scheduler.add_job(
        "exportwatch.jobs:send_digests",
        "interval",
        seconds=DIGEST_SECONDS,
        id="alerts-run",
        replace_existing=True,
    )
    scheduler.add_job(
        "exportwatch.jobs:housekeeping",
        "cron",
        hour=3,
        minute=17,
        id="housekeeping",
        replace_existing=True,
    )
    sync_source_jobs(scheduler, services)


def housekeeping() -> None:
    """Nightly: forget run records older than RUN_HISTORY (the sources keep their health)."""
    pruned = _services().store.prune_runs(utcnow() - RUN_HISTORY)
    if pruned:
        log.info("housekeeping: %d old run records deleted", pruned)


def send_digests() -> None:
    """Send what is due: immediate alerts, and daily and weekly digests at their local hour."""
    report = run_digests(_services())
    if report.outcomes or report.relay_down:
        log.info(
            "digests: %d sent%s",
            report.count("sent"),
            "; the mail relay is down, the rest wait" if report.relay_down else "",
        )


def sync_source_jobs(scheduler: BaseScheduler, services: Services) -> list[str]:
    """One crawl job per enabled source of the sources dir; jobs of removed sources go.

    A broken definition file is logged and keeps no job (its earlier job is removed too, so a
    half-edited file is not crawled with stale rules). Returns the scheduled source ids.
    """
    checked = check_definitions([services.settings.sources_dir], services.taxonomy)
    wanted: dict[str, SourceDefinition] = {}
    for outcome in checked:
        if outcome.error is not None:
            log.error("source definition not scheduled: %s", outcome.error)
        elif outcome.definition is not None and outcome.definition.enabled:
            wanted[outcome.definition.id] = outcome.definition
    for job in scheduler.get_jobs():
        if job.id.startswith(CRAWL_PREFIX) and job.id[len(CRAWL_PREFIX) :] not in wanted:
            job.remove()
    for definition in wanted.values():
        scheduler.add_job(
            "exportwatch.jobs:crawl_source",
            _trigger(definition),
            args=[definition.id],
            id=CRAWL_PREFIX + definition.id,
            name=f"crawl {definition.id} ({definition.schedule.describe()})",
            replace_existing=True,
        )
    return sorted(wanted)


def _trigger(definition: SourceDefinition) -> BaseTrigger:
    """The source's schedule, its start spread by a per-source offset (stable across restarts)."""
    schedule, zone = definition.schedule, definition.timezone or "UTC"
    if schedule.cron is not None:
        trigger = CronTrigger.from_crontab(schedule.cron, timezone=zone)
        trigger.jitter = CRON_SPREAD_SECONDS  # many sources on "0 6 * * *" must not start at once
        return trigger
    interval = schedule.typical_interval()
    offset = _spread(definition.id, interval)
    return IntervalTrigger(seconds=int(interval.total_seconds()), start_date=utcnow() + offset)


def _spread(source_id: str, interval: timedelta) -> timedelta:
    digest = int(hashlib.sha256(source_id.encode()).hexdigest()[:8], 16)
    return timedelta(seconds=digest % max(int(interval.total_seconds()), 1))


def resync_sources() -> None:
    """Pick up added, changed and removed definitions (scheduled every few minutes)."""
    from exportwatch.scheduler import running_scheduler

    scheduler = running_scheduler()
    if scheduler is not None:
        sync_source_jobs(scheduler, _services())


def crawl_source(source_id: str) -> None:
    """Crawl one source now, unless it is backing off or its publisher asked us to wait."""
    global _crawler
    services = _services()
    state = services.store.get_source_state(source_id)
    if state is not None and state.next_run_at is not None and state.next_run_at > utcnow():
        log.info("crawl %s skipped: next run due at %s", source_id, state.next_run_at)
        return
    checked = check_definitions([services.settings.sources_dir], services.taxonomy)
    definition = next(
        (c.definition for c in checked if c.definition and c.definition.id == source_id), None
    )
    if definition is None or not definition.enabled:
        log.warning("crawl %s skipped: no valid enabled definition", source_id)
        return
    _crawler = _crawler or Crawler(services)
    report = _crawler.crawl(definition)
    counts = report.run.counts
    log.info(
        "crawl %s: %s, %d seen, %d new, %d updated",
        source_id,
        report.status.value,
        counts.seen,
        counts.new,
        counts.updated,
    )


def _services() -> Services:
    if _bound is None:
        raise RuntimeError("exportwatch.jobs.bind() was not called in this process")
    return _bound


def sync_index() -> None:
    """Apply the store's queued index changes to the search index."""
    services = _services()
    report = sync_outbox(services.store, services.index)
    if report.upserted or report.deleted or not report.ok:
        log.info(
            "index sync: %d upserted, %d deleted%s",
            report.upserted,
            report.deleted,
            f"; stopped: {report.error}" if report.error else "",
        )
