"""One crawl of one source, end to end: collect, normalize and store, index, record, tell people.

Collecting is the crawlers' business (the poller for every fetched type, a Scrapy subprocess
for html); everything after it happens here, in an order that loses nothing: items are stored
before the source's crawl state (validators) is, so an item that was read is never skipped by
the next conditional request, and the run record and the backoff are written even when a step
fails. New and changed documents go to the index at once and to the alert matcher, which turns
them into pending alerts; unchanged ones go nowhere, so a re-read feed alerts no one again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from exportwatch.alerts.matching_run import match_documents
from exportwatch.crawlers import (
    CrawlOutcome,
    FeedState,
    FetchPolicy,
    PollResult,
    SourceDefinition,
    poll_feed,
    run_html_crawl,
)
from exportwatch.crawlers.definitions import HtmlSource
from exportwatch.crawlers.fetching import Fetcher
from exportwatch.crawlers.health import Health, next_run_at
from exportwatch.model import RunStatus, utcnow
from exportwatch.notices import Notice, Notifier
from exportwatch.pipeline.processing import Pipeline, PipelineReport
from exportwatch.search.sync import SyncReport, sync_outbox
from exportwatch.services import Services
from exportwatch.store import RunCounts, RunRecord, SourceState, SourceStateChanges

__all__ = ["CrawlReport", "Crawler", "collect"]

log = logging.getLogger(__name__)

Matcher = Callable[[Sequence[str]], int]  # new/changed document ids -> pending alerts written


@dataclass(slots=True)
class CrawlReport:
    """What one crawl did: the run as recorded, the pipeline's counts, index and notices."""

    source_id: str
    run: RunRecord
    pipeline: PipelineReport
    sync: SyncReport | None = None
    matched: int = 0
    notices: list[Notice] = field(default_factory=list)

    @property
    def status(self) -> RunStatus:
        """The run's final status."""
        return self.run.status


def collect(
    definition: SourceDefinition,
    state: SourceState | None,
    *,
    policy: FetchPolicy | None = None,
    limit: int | None = None,
) -> PollResult:
    """Read a source's items without storing anything (also what `sources preview` shows)."""
    if isinstance(definition, HtmlSource):
        started = utcnow()
        outcome = run_html_crawl(definition, policy=policy, limit=limit)
        return _from_html(definition, outcome, started)
    feed_state = FeedState.restore(state, definition) if state else None
    result = asyncio.run(_poll(definition, feed_state, policy))
    if limit is not None:
        del result.items[limit:]
    return result


async def _poll(
    definition: SourceDefinition, state: FeedState | None, policy: FetchPolicy | None
) -> PollResult:
    async with Fetcher(policy) as fetcher:
        return await poll_feed(definition, state, fetcher)


def _from_html(definition: HtmlSource, outcome: CrawlOutcome, started: datetime) -> PollResult:
    """The html crawl's outcome in the poller's shape, so both are recorded alike."""
    state = FeedState(definition.id)
    result = PollResult(definition.id, RunStatus.SUCCESS, state, started, utcnow())
    result.items, result.http_statuses = outcome.items, dict(outcome.http_statuses)
    result.problems, result.notes = list(outcome.problems), outcome.notes
    result.error = outcome.error
    expected = definition.expect.min_items
    if expected and len(outcome.items) < expected:
        result.problems.append(f"expected at least {expected} item(s), read {len(outcome.items)}")
    if outcome.error and not outcome.items:
        result.status = RunStatus.FAILED
    elif outcome.error or result.problems:
        result.status = RunStatus.DEGRADED
    return result


class Crawler:
    """Crawls sources for one service; holds the pipeline (its normalizer is costly to build)."""

    def __init__(
        self,
        services: Services,
        *,
        policy: FetchPolicy | None = None,
        notifier: Notifier | None = None,
        matcher: Matcher | None = None,
    ) -> None:
        self.services = services
        self.policy = policy or FetchPolicy.from_settings(services.settings)
        self.pipeline = Pipeline(services.store, services.taxonomy)
        self.notifier = notifier or Notifier(services.settings)
        self.matcher = matcher or self._match

    def _match(self, document_ids: Sequence[str]) -> int:
        """Pending alerts for new and changed documents, for every active subscription."""
        return match_documents(self.services.store, self.services.taxonomy, document_ids)

    def crawl(self, definition: SourceDefinition) -> CrawlReport:
        """Crawl `definition` once; never raises for the source's trouble (it is recorded)."""
        store = self.services.store
        run_id = store.start_run(definition.id)
        before = store.get_source_state(definition.id)
        pipeline, stored = PipelineReport(), False
        try:
            result = collect(definition, before, policy=self.policy)
            pipeline = self.pipeline.process(result.items, definition.profile())
            stored = True
        except Exception as error:  # a bug in one source's crawl must not stop the others
            log.exception("crawling %s failed", definition.id)
            result = _failed(definition, f"internal error: {type(error).__name__}: {error}")
        run = self._record(run_id, result, pipeline)
        self._save_state(definition, result, run, crawl_state=stored)
        report = CrawlReport(definition.id, run, pipeline)
        changed = [*pipeline.new, *pipeline.changed]
        if changed:
            report.sync = sync_outbox(store, self.services.index)
            report.matched = self.matcher(changed)
        report.notices = self._tell_people(definition, result, run, before)
        return report

    def _record(self, run_id: int, result: PollResult, pipeline: PipelineReport) -> RunRecord:
        status = result.status
        if status is RunStatus.SUCCESS and result.failed_items:
            status = RunStatus.DEGRADED  # items were found but lost; a field left empty is not
        problems = [*result.problems, *pipeline.summary_problems()]
        counts = RunCounts(
            seen=pipeline.seen,
            new=len(pipeline.new),
            updated=len(pipeline.changed),
            unchanged=pipeline.unchanged,
            failed=result.failed_items,
        )
        return self.services.store.finish_run(
            run_id,
            status,
            counts=counts,
            http_statuses=result.http_statuses,
            first_error=result.error or (problems[0] if problems else None),
            problems=problems,
        )

    def _save_state(
        self, definition: SourceDefinition, result: PollResult, run: RunRecord, *, crawl_state: bool
    ) -> None:
        """Validators only once the items are stored; the next run time in any case."""
        store = self.services.store
        failures = store.get_source_state(definition.id) or SourceState(definition.id)
        changes: SourceStateChanges = {}
        if crawl_state and not isinstance(definition, HtmlSource):
            changes = result.state.source_state_changes()
        changes["next_run_at"] = next_run_at(
            run.finished_at or utcnow(),
            definition.schedule.typical_interval(),
            failures.consecutive_failures,
            floor=result.next_run_floor,
        )
        if run.status is not RunStatus.FAILED:
            changes["notified_at"] = None  # recovered: the next failure streak is news again
        store.update_source_state(definition.id, **changes)

    def _tell_people(
        self,
        definition: SourceDefinition,
        result: PollResult,
        run: RunRecord,
        before: SourceState | None,
    ) -> list[Notice]:
        store = self.services.store
        state = store.get_source_state(definition.id) or SourceState(definition.id)
        now = utcnow()
        health = Health(
            status=run.status,
            consecutive_failures=state.consecutive_failures,
            notified_at=before.notified_at if before else None,
            last_new_item_at=store.newest_first_seen(definition.id),
            quiet_days=definition.expect.quiet_days,
        )
        notices = [Notice.for_change(definition, text) for text in result.notices]
        if health.failure_notice_due():
            notices.append(Notice.for_failures(definition, state))
            store.update_source_state(definition.id, notified_at=now)
        if health.quiet_notice_due(now, state.quiet_notified_at):
            notices.append(Notice.for_quiet(definition, health.last_new_item_at))
            store.update_source_state(definition.id, quiet_notified_at=now)
        for notice in notices:
            self.notifier.send(notice)
        return notices


def _failed(definition: SourceDefinition, error: str) -> PollResult:
    now = utcnow()
    result = PollResult(definition.id, RunStatus.FAILED, FeedState(definition.id), now, now)
    result.error = error
    result.problems.append(error)
    return result
