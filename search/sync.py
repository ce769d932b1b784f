"""Drain the store's index outbox into the active index, so an index outage only delays search.

The store marks each written document in the same transaction that saves it; this job applies
those marks in batches and acknowledges only what the index accepted. A failed batch stays
queued (with the error recorded) for the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from exportwatch.search.errors import SearchError
from exportwatch.search.index import Index
from exportwatch.store import OutboxAction, OutboxEntry, Store

__all__ = ["SyncReport", "sync_outbox"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SyncReport:
    """What one sync run applied, and the error that stopped it early, if any."""

    upserted: int = 0
    deleted: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the outbox was drained without an index error."""
        return self.error is None


def sync_outbox(store: Store, index: Index, *, batch_size: int = 500) -> SyncReport:
    """Apply queued index changes until the outbox is empty or the index fails."""
    report = SyncReport()
    while entries := store.outbox_batch(batch_size):
        try:
            _apply(store, index, entries, report)
        except SearchError as error:
            store.fail_outbox(entries, str(error))
            report.error = str(error)
            log.warning("index sync stopped, %d changes stay queued: %s", len(entries), error)
            break
        store.ack_outbox(entries)
    return report


def _apply(store: Store, index: Index, entries: list[OutboxEntry], report: SyncReport) -> None:
    wanted = [e.document_id for e in entries if e.action is OutboxAction.UPSERT]
    documents = store.get_documents(wanted)
    found = {document.id for document in documents}
    gone = [e.document_id for e in entries if e.document_id not in found]
    report.upserted += index.upsert(documents)
    index.delete(gone)
    report.deleted += len(gone)
