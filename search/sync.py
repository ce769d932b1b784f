"""Drain the store's index outbox into the active index, so an index outage only delays search.

The store marks each written document in the same transaction that saves it; this job applies
those marks in batches and acknowledges only what the index accepted. A failed batch stays
queued (with the error recorded) for the next run, and nothing is applied while `reindex`
rebuilds the index.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from exportwatch.model import Document
from exportwatch.search.errors import SearchError
from exportwatch.search.index import Index
from exportwatch.store import OutboxAction, OutboxEntry, Store

__all__ = ["SyncReport", "rebuild_index", "sync_outbox"]

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 30.0  # how often a rebuild tells the store it is alive (see STALE_REBUILD)


@dataclass(slots=True)
class SyncReport:
    """What one sync run applied, and the error that stopped it early, if any."""

    upserted: int = 0
    deleted: int = 0
    error: str | None = None
    deferred: bool = False  # a rebuild is running; the changes wait for its new index

    @property
    def ok(self) -> bool:
        """True when the outbox was drained without an index error."""
        return self.error is None


def sync_outbox(store: Store, index: Index, *, batch_size: int = 2000) -> SyncReport:
    """Apply queued index changes until the outbox is empty, the index fails or a rebuild runs.

    During a rebuild the changes stay queued: applied to the old index, they would be lost when
    the new one replaces it; after the switch they are applied to the new one.
    """
    report = SyncReport()
    _discard_unfinished_builds(store, index)
    while entries := store.outbox_batch(batch_size):
        if store.index_rebuild_running():
            report.deferred = True
            break
        try:
            _apply(store, index, entries, report)
        except SearchError as error:
            store.fail_outbox(entries, str(error))
            report.error = str(error)
            log.warning("index sync stopped, %d changes stay queued: %s", len(entries), error)
            break
        store.ack_outbox(entries)
    return report


def _discard_unfinished_builds(store: Store, index: Index) -> None:
    """Clean up after a rebuild that died (its node or process); an outage waits for next time."""
    try:
        index.discard_unfinished_builds(idle=lambda: not store.index_rebuild_running())
    except SearchError as error:
        log.debug("unfinished rebuilds not checked: %s", error)


def _apply(store: Store, index: Index, entries: list[OutboxEntry], report: SyncReport) -> None:
    wanted = [e.document_id for e in entries if e.action is OutboxAction.UPSERT]
    documents = store.get_documents(wanted)
    found = {document.id for document in documents}
    gone = [e.document_id for e in entries if e.document_id not in found]
    report.upserted += index.upsert(documents)
    index.delete(gone)
    report.deleted += len(gone)


def rebuild_index(
    store: Store, index: Index, documents: Iterable[Document] | None = None
) -> tuple[int, SyncReport]:
    """Rebuild `index` from the store with the sync held back, then apply what queued meanwhile.

    `documents` defaults to every stored document (pass a wrapped iterator to show progress).
    """
    rebuild = store.begin_index_rebuild()
    source = store.iter_documents() if documents is None else documents
    try:
        count = index.rebuild(_beating(store, rebuild, source))
    except BaseException:
        store.finish_index_rebuild(rebuild, ok=False)
        raise
    store.finish_index_rebuild(rebuild, ok=True, documents=count)
    return count, sync_outbox(store, index)


def _beating(store: Store, rebuild: int, documents: Iterable[Document]) -> Iterator[Document]:
    """`documents`, telling the store every `HEARTBEAT_SECONDS` that the rebuild is alive."""
    last = time.monotonic()
    for count, document in enumerate(documents, start=1):
        yield document
        if time.monotonic() - last >= HEARTBEAT_SECONDS:
            store.beat_index_rebuild(rebuild, count)
            last = time.monotonic()
