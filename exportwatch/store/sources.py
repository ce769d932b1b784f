"""Crawl state per source (conditional-request validators, failures, schedule) and its runs.

Source definitions live in YAML; this module keeps only what crawling learns about a source.
`finish_run` updates the failure counter in the same transaction that records the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict, Unpack, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from exportwatch.model import RunStatus, utcnow
from exportwatch.store.database import StoreBase
from exportwatch.store.errors import NotFoundError
from exportwatch.store.tables import SourceRow, SourceRunRow

__all__ = ["RunCounts", "RunRecord", "SourceState", "SourceStateChanges", "SourcesMixin"]


@dataclass(slots=True)
class SourceState:
    """What the crawler remembers about a source between runs."""

    source_id: str
    enabled: bool = True
    url: str | None = None  # effective URL, after permanent redirects
    etag: str | None = None
    last_modified: str | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    last_success_at: datetime | None = None
    last_run_at: datetime | None = None
    next_run_at: datetime | None = None
    disabled_reason: str | None = None
    notified_at: datetime | None = None
    quiet_notified_at: datetime | None = None
    crawl_state: dict[str, Any] = field(default_factory=dict)


class SourceStateChanges(TypedDict, total=False):
    """The fields `update_source_state` may change; the ones left out keep their value."""

    enabled: bool
    url: str | None
    etag: str | None
    last_modified: str | None
    consecutive_failures: int
    last_error: str | None
    last_success_at: datetime | None
    last_run_at: datetime | None
    next_run_at: datetime | None
    disabled_reason: str | None
    notified_at: datetime | None
    quiet_notified_at: datetime | None
    crawl_state: dict[str, Any]


@dataclass(slots=True)
class RunCounts:
    """Items one run saw, and what became of them."""

    seen: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0


@dataclass(slots=True)
class RunRecord:
    """One crawl of one source; `http_statuses` maps a status code to a count."""

    id: int
    source_id: str
    started_at: datetime
    status: RunStatus
    finished_at: datetime | None = None
    counts: RunCounts = field(default_factory=RunCounts)
    http_statuses: dict[str, int] = field(default_factory=dict)
    first_error: str | None = None
    problems: list[str] = field(default_factory=list)


class SourcesMixin(StoreBase):
    """Source state and run history."""

    def get_source_state(self, source_id: str) -> SourceState | None:
        """The state of a source, or None if it never ran and was never updated."""
        with self.read_session() as session:
            row = session.get(SourceRow, source_id)
            return None if row is None else _state(row)

    def list_source_states(self) -> list[SourceState]:
        """The state of every known source, by id."""
        with self.read_session() as session:
            return [
                _state(row) for row in session.scalars(select(SourceRow).order_by(SourceRow.id))
            ]

    def update_source_state(
        self, source_id: str, **changes: Unpack[SourceStateChanges]
    ) -> SourceState:
        """Change the named fields (creating the source's row if needed); return the new state."""
        unknown = set(changes) - set(SourceStateChanges.__annotations__)
        if unknown:
            raise TypeError(f"unknown source state fields: {', '.join(sorted(unknown))}")
        with self.session() as session:
            row = _source_row(session, source_id)
            for name, value in changes.items():
                setattr(row, name, value)
            session.flush()
            return _state(row)

    def start_run(self, source_id: str, *, now: datetime | None = None) -> int:
        """Record that a run of `source_id` started; returns the run id for `finish_run`."""
        now = now or utcnow()
        with self.session() as session:
            _source_row(session, source_id).last_run_at = now
            run = SourceRunRow(source_id=source_id, started_at=now, status=RunStatus.RUNNING.value)
            session.add(run)
            session.flush()
            return run.id

    def finish_run(
        self,
        run_id: int,
        status: RunStatus,
        *,
        counts: RunCounts | None = None,
        http_statuses: Mapping[str, int] | None = None,
        first_error: str | None = None,
        problems: Sequence[str] = (),
        now: datetime | None = None,
    ) -> RunRecord:
        """Close a run and update its source: a failure counts up, a success resets the count."""
        if status is RunStatus.RUNNING:
            raise ValueError("finish_run needs a final status, not 'running'")
        counts = counts or RunCounts()
        with self.session() as session:
            run = session.get(SourceRunRow, run_id)
            if run is None:
                raise NotFoundError("run", run_id)
            run.finished_at = now or utcnow()
            run.status = status.value
            _set_counts(run, counts)
            run.http_statuses = dict(http_statuses or {})
            run.first_error = first_error
            run.problems = list(problems)
            _note_outcome(_source_row(session, run.source_id), run)
            return _record(run)

    def close_interrupted_runs(self, note: str, *, now: datetime | None = None) -> list[RunRecord]:
        """Close every run still marked running as failed with `note`; returns them, closed.

        For a service starting up: a run left running was cut off when the last one stopped.
        The sources' failure counters are left alone (the source did nothing wrong). Should the
        crawl in fact still be running elsewhere, its own `finish_run` later overwrites this.
        """
        query = select(SourceRunRow).where(SourceRunRow.status == RunStatus.RUNNING.value)
        with self.session() as session:
            runs = list(session.scalars(query.order_by(SourceRunRow.id)))
            for run in runs:
                run.status = RunStatus.FAILED.value
                run.finished_at = now or utcnow()
                run.first_error = note
                run.problems = [note]
            return [_record(run) for run in runs]

    def prune_runs(self, started_before: datetime) -> int:
        """Delete finished runs that started before the cutoff; returns how many went.

        The source rows keep their counters and last success, so health stays intact.
        """
        old = delete(SourceRunRow).where(
            SourceRunRow.started_at < started_before,
            SourceRunRow.status != RunStatus.RUNNING.value,
        )
        with self.session() as session:
            return cast(CursorResult[Any], session.execute(old)).rowcount

    def list_runs(self, source_id: str, limit: int = 20) -> list[RunRecord]:
        """The latest runs of a source, newest first."""
        query = (
            select(SourceRunRow)
            .where(SourceRunRow.source_id == source_id)
            .order_by(SourceRunRow.started_at.desc(), SourceRunRow.id.desc())
            .limit(limit)
        )
        with self.read_session() as session:
            return [_record(run) for run in session.scalars(query)]


def _source_row(session: Session, source_id: str) -> SourceRow:
    row = session.get(SourceRow, source_id)
    if row is None:
        row = SourceRow(id=source_id, enabled=True, consecutive_failures=0)
        session.add(row)
    return row


def _note_outcome(source: SourceRow, run: SourceRunRow) -> None:
    if run.first_error:
        source.last_error = run.first_error
    if run.status == RunStatus.FAILED.value:
        source.consecutive_failures = (source.consecutive_failures or 0) + 1
    else:
        source.consecutive_failures = 0
        source.last_success_at = run.finished_at


def _set_counts(run: SourceRunRow, counts: RunCounts) -> None:
    run.items_seen = counts.seen
    run.items_new = counts.new
    run.items_updated = counts.updated
    run.items_unchanged = counts.unchanged
    run.items_failed = counts.failed


def _state(row: SourceRow) -> SourceState:
    return SourceState(
        source_id=row.id,
        enabled=row.enabled,
        url=row.url,
        etag=row.etag,
        last_modified=row.last_modified,
        consecutive_failures=row.consecutive_failures,
        last_error=row.last_error,
        last_success_at=row.last_success_at,
        last_run_at=row.last_run_at,
        next_run_at=row.next_run_at,
        disabled_reason=row.disabled_reason,
        notified_at=row.notified_at,
        quiet_notified_at=row.quiet_notified_at,
        crawl_state=dict(row.crawl_state or {}),
    )


def _record(run: SourceRunRow) -> RunRecord:
    counts = RunCounts(
        seen=run.items_seen,
        new=run.items_new,
        updated=run.items_updated,
        unchanged=run.items_unchanged,
        failed=run.items_failed,
    )
    return RunRecord(
        id=run.id,
        source_id=run.source_id,
        started_at=run.started_at,
        status=RunStatus(run.status),
        finished_at=run.finished_at,
        counts=counts,
        http_statuses=dict(run.http_statuses),
        first_error=run.first_error,
        problems=list(run.problems),
    )
