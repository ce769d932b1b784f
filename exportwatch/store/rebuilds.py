"""Index rebuild runs, so the outbox sync can wait while `reindex` builds a new index.

A rebuild reads every document from the store into a new physical index and then switches to
it. Changes the sync applied to the old index meanwhile would be lost at the switch, so while a
rebuild runs the sync leaves the outbox alone; after the switch it applies everything queued.
A running rebuild beats (`beat_index_rebuild`) as it reads; one that has not beaten for
`STALE_REBUILD` died with its process (`kill -9`, a crash) and no longer holds the sync back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from exportwatch.model import utcnow
from exportwatch.store.database import StoreBase
from exportwatch.store.tables import IndexRebuildRow

__all__ = ["STALE_REBUILD", "RebuildsMixin"]

STALE_REBUILD = timedelta(minutes=10)  # a running rebuild silent this long died with its process


class RebuildsMixin(StoreBase):
    """Record index rebuilds and tell whether one is running."""

    def begin_index_rebuild(self, *, now: datetime | None = None) -> int:
        """Mark a rebuild as running; returns its id for `finish_index_rebuild`."""
        now = now or utcnow()
        row = IndexRebuildRow(status="running", started_at=now, heartbeat_at=now, documents=0)
        with self.session() as session:
            session.add(row)
            session.flush()
            return row.id

    def finish_index_rebuild(
        self, rebuild_id: int, *, ok: bool, documents: int = 0, now: datetime | None = None
    ) -> None:
        """Mark a rebuild done (or failed); the outbox sync resumes."""
        status = "done" if ok else "failed"
        finished = update(IndexRebuildRow).where(IndexRebuildRow.id == rebuild_id)
        with self.session() as session:
            session.execute(
                finished.values(status=status, finished_at=now or utcnow(), documents=documents)
            )

    def beat_index_rebuild(
        self, rebuild_id: int, documents: int, *, now: datetime | None = None
    ) -> None:
        """Say that rebuild `rebuild_id` is alive and has read `documents` so far."""
        alive = update(IndexRebuildRow).where(IndexRebuildRow.id == rebuild_id)
        with self.session() as session:
            session.execute(alive.values(heartbeat_at=now or utcnow(), documents=documents))

    def index_rebuild_running(self, *, now: datetime | None = None) -> bool:
        """Whether a rebuild is running and beat within `STALE_REBUILD`."""
        since = (now or utcnow()) - STALE_REBUILD
        last_sign = func.coalesce(IndexRebuildRow.heartbeat_at, IndexRebuildRow.started_at)
        running = select(IndexRebuildRow.id).where(
            IndexRebuildRow.status == "running", last_sign > since
        )
        with self.read_session() as session:
            return session.execute(running.limit(1)).first() is not None
