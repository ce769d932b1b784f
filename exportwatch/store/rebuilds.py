"""Index rebuild runs, so the outbox sync can wait while `reindex` builds a new index.

A rebuild reads every document from the store into a new physical index and then switches to
it. Changes the sync applied to the old index meanwhile would be lost at the switch, so while a
rebuild runs the sync leaves the outbox alone; after the switch it applies everything queued.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from exportwatch.model import utcnow
from exportwatch.store.database import StoreBase
from exportwatch.store.tables import IndexRebuildRow

__all__ = ["STALE_REBUILD", "RebuildsMixin"]

STALE_REBUILD = timedelta(hours=6)  # a rebuild "running" longer than this died with its process


class RebuildsMixin(StoreBase):
    """Record index rebuilds and tell whether one is running."""

    def begin_index_rebuild(self, *, now: datetime | None = None) -> int:
        """Mark a rebuild as running; returns its id for `finish_index_rebuild`."""
        row = IndexRebuildRow(status="running", started_at=now or utcnow(), documents=0)
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

    def index_rebuild_running(self, *, now: datetime | None = None) -> bool:
        """Whether a rebuild started within `STALE_REBUILD` is still running."""
        since = (now or utcnow()) - STALE_REBUILD
        running = select(IndexRebuildRow.id).where(
            IndexRebuildRow.status == "running", IndexRebuildRow.started_at > since
        )
        with self.read_session() as session:
            return session.execute(running.limit(1)).first() is not None
