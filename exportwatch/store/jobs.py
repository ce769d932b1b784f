"""Failures of the service's scheduled jobs, kept so the admin pages can show them.

A crawl's trouble is already a run record; this holds what no run record covers: a job that
raised (index sync, digests, housekeeping, or a crawl job before its run was recorded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select

from exportwatch.model import utcnow
from exportwatch.store.database import StoreBase
from exportwatch.store.tables import JobFailureRow

__all__ = ["JobFailure", "JobsMixin"]

ERROR_CHARS = 2000
TRACEBACK_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class JobFailure:
    """One failed run of a scheduled job."""

    id: int
    job_id: str
    failed_at: datetime
    error: str
    traceback: str


class JobsMixin(StoreBase):
    """Record, list and prune job failures."""

    def record_job_failure(
        self, job_id: str, error: str, traceback: str = "", *, now: datetime | None = None
    ) -> int:
        """Store a failure (long texts are cut); returns its id."""
        row = JobFailureRow(
            job_id=job_id[:200],
            failed_at=now or utcnow(),
            error=error[:ERROR_CHARS],
            traceback=traceback[-TRACEBACK_CHARS:],
        )
        with self.session() as session:
            session.add(row)
            session.flush()
            return row.id

    def list_job_failures(self, limit: int = 50, job_id: str | None = None) -> list[JobFailure]:
        """The latest failures, newest first, of one job or of all."""
        query = select(JobFailureRow).order_by(
            JobFailureRow.failed_at.desc(), JobFailureRow.id.desc()
        )
        if job_id is not None:
            query = query.where(JobFailureRow.job_id == job_id)
        with self.read_session() as session:
            return [_failure(row) for row in session.scalars(query.limit(limit))]

    def prune_job_failures(self, before: datetime) -> int:
        """Delete failures older than the cutoff; returns how many went."""
        old = delete(JobFailureRow).where(JobFailureRow.failed_at < before)
        with self.session() as session:
            return cast(CursorResult[Any], session.execute(old)).rowcount


def _failure(row: JobFailureRow) -> JobFailure:
    return JobFailure(row.id, row.job_id, row.failed_at, row.error, row.traceback)
