"""Scheduled jobs of the running service, as module-level functions.

APScheduler keeps jobs in the store's database by textual reference, so a job cannot carry the
open store or index with it; `bind` hands them over once at startup and each job reads them.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from exportwatch.alerts.digests import run_digests
from exportwatch.alerts.matching_run import match_documents
from exportwatch.crawlers import SourceDefinition, check_definitions
from exportwatch.crawling import Crawler
from exportwatch.model import utcnow
from exportwatch.search.sync import sync_outbox
from exportwatch.services import Services

__all__ = [
    "INTERRUPTED",
    "bind",
    "crawl_source",
    "housekeeping",
    "record_failure",
    "register_jobs",
    "resume_interrupted",
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
INTERRUPTED = "interrupted: the service stopped before this run finished; resumed on restart"
_bound: Services | None = None
_crawler: Crawler | None = None
_crawling: set[str] = set()  # sources being crawled by this process, whichever job started it
_crawling_lock = threading.Lock()


def bind(services: Services) -> None:
    """Give the jobs of this process the services they work on."""
    global _bound, _crawler
    _bound, _crawler = services, None


def register_jobs(scheduler: BaseScheduler, services: Services) -> None:
    """Bind the services, (re)register the recurring jobs, resume what the last stop cut off."""
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
    resume_interrupted(scheduler, services)


def resume_interrupted(scheduler: BaseScheduler, services: Services) -> list[str]:
    """Close the runs a stop cut off, finish their work, and crawl their sources again soon.

    A cut-off crawl may have stored documents (and even saved its validators) without
    matching them: they are matched now (matching is idempotent, and a delivered document is
    never pending again). The index needs nothing, its outbox was written with the documents.
    Returns the ids of the sources whose crawl is brought forward.
    """
    store, resumed = services.store, []
    for run in store.close_interrupted_runs(INTERRUPTED):
        changed = store.changed_document_ids(run.source_id, run.started_at)
        matched = match_documents(store, services.taxonomy, changed) if changed else 0
        log.warning(
            "crawl %s (run %d) was cut off by the last stop: %d stored document(s) "
            "matched again (%d new alert(s))",
            run.source_id,
            run.id,
            len(changed),
            matched,
        )
        try:
            scheduler.modify_job(CRAWL_PREFIX + run.source_id, next_run_time=utcnow())
        except JobLookupError:
            continue  # no longer scheduled (disabled or removed)
        resumed.append(run.source_id)
    return resumed


def record_failure(job_id: str, error: BaseException, trace: str) -> None:
    """Keep a failed job in the store for the admin pages (the scheduler's failure recorder)."""
    message = f"{type(error).__name__}: {error}"
    _services().store.record_job_failure(job_id, message, trace)


def housekeeping() -> None:
    """Nightly: forget run records and job failures older than RUN_HISTORY.

    The sources keep their health. Past events need no expiring here: searches leave out
    what is over at query time (`upcoming`), so nothing in the index goes stale overnight.
    """
    cutoff = utcnow() - RUN_HISTORY
    store = _services().store
    pruned = store.prune_runs(cutoff)
    failures = store.prune_job_failures(cutoff)
    if pruned or failures:
        log.info("housekeeping: %d old run records and %d job failures deleted", pruned, failures)


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
        trigger, name = _trigger(definition), _job_name(definition)
        job = scheduler.get_job(CRAWL_PREFIX + definition.id)
        if job is not None and (job.name, str(job.trigger)) == (name, str(trigger)):
            continue  # unchanged (the text leaves out the start): keep its next run time
        scheduler.add_job(
            "exportwatch.jobs:crawl_source",
            trigger,
            args=[definition.id],
            id=CRAWL_PREFIX + definition.id,
            name=name,
            replace_existing=True,
        )
    return sorted(wanted)


def _job_name(definition: SourceDefinition) -> str:
    return f"crawl {definition.id} ({definition.schedule.describe()})"


def _trigger(definition: SourceDefinition) -> BaseTrigger:
    """The source's schedule; an interval's first run comes after a stable per-source offset."""
    schedule, zone = definition.schedule, definition.timezone or "UTC"
    if schedule.cron is not None:
        trigger = CronTrigger.from_crontab(schedule.cron, timezone=zone)
        trigger.jitter = CRON_SPREAD_SECONDS  # many sources on "0 6 * * *" must not start at once
        return trigger
    interval = schedule.typical_interval()
    start = utcnow() + _spread(definition.id, interval)
    return IntervalTrigger(seconds=int(interval.total_seconds()), start_date=start, timezone=UTC)


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
    """Crawl one source now, unless it is disabled, backing off or asked to wait."""
    global _crawler
    services = _services()
    state = services.store.get_source_state(source_id)
    if state is not None and state.next_run_at is not None and state.next_run_at > utcnow():
        log.info("crawl %s skipped: next run due at %s", source_id, state.next_run_at)
        return
    if state is not None and not state.enabled:
        log.info("crawl %s skipped: disabled (%s)", source_id, state.disabled_reason)
        return
    checked = check_definitions([services.settings.sources_dir], services.taxonomy)
    definition = next(
        (c.definition for c in checked if c.definition and c.definition.id == source_id), None
    )
    if definition is None or not definition.enabled:
        log.warning("crawl %s skipped: no valid enabled definition", source_id)
        return
    with _exclusive(source_id) as mine:
        if not mine:
            log.info("crawl %s skipped: a crawl of it is already running", source_id)
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


@contextmanager
def _exclusive(source_id: str) -> Iterator[bool]:
    """Hold the source for one crawl; yields False when another job (run now) holds it."""
    with _crawling_lock:
        if source_id in _crawling:
            yield False
            return
        _crawling.add(source_id)
    try:
        yield True
    finally:
        with _crawling_lock:
            _crawling.discard(source_id)


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
