"""Documents, the source of truth, and the outbox that keeps the search index in step.

A document written here is marked for indexing in the same transaction, so a crash or a search
outage can delay the index but never lose an update. Writes are batched: one SELECT of the
known hashes and one executemany per batch, not one query per document.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, CursorResult, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from exportwatch.duplicates import duplicate_key
from exportwatch.model import Document, utcnow
from exportwatch.store.database import StoreBase
from exportwatch.store.sql import IN_CHUNK, chunks, upsert_insert
from exportwatch.store.tables import DocumentRow, OutboxRow

__all__ = ["DocumentsMixin", "OutboxAction", "OutboxEntry", "SaveResult"]


class OutboxAction(StrEnum):
    """What the index sync must do with a document."""

    UPSERT = "upsert"
    DELETE = "delete"


class OutboxEntry(NamedTuple):
    """One pending index change; acking needs `version`, so a newer change is never lost."""

    document_id: str
    action: OutboxAction
    version: int


@dataclass(slots=True)
class SaveResult:
    """Ids of the documents a save inserted, changed (new content hash) and left alone."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def written(self) -> list[str]:
        """New and changed ids: what indexing and alert matching must look at."""
        return self.new + self.changed


class DocumentsMixin(StoreBase):
    """Save, read and stream documents; drain the index outbox."""

    def save_documents(
        self, docs: Iterable[Document], *, batch_size: int = 1000, now: datetime | None = None
    ) -> SaveResult:
        """Insert new documents, update those whose content hash changed, skip the rest.

        One transaction per batch; `first_seen_at` is kept and `changed_at` bumped on change.
        """
        result = SaveResult()
        for batch in chunks(docs, batch_size):
            with self.session() as session:
                _save_batch(session, batch, now or utcnow(), result)
        return result

    def delete_documents(self, ids: Iterable[str], *, now: datetime | None = None) -> int:
        """Delete documents (and their pending alerts); the index is told through the outbox."""
        deleted = 0
        for chunk in chunks(ids, IN_CHUNK):
            with self.session() as session:
                gone = session.execute(delete(DocumentRow).where(DocumentRow.id.in_(chunk)))
                deleted += cast(CursorResult[Any], gone).rowcount
                _enqueue(session, chunk, OutboxAction.DELETE, now or utcnow())
        return deleted

    def get_document(self, doc_id: str) -> Document | None:
        """The stored document, or None."""
        with self.read_session() as session:
            payload = session.scalar(select(DocumentRow.payload).where(DocumentRow.id == doc_id))
        return None if payload is None else Document.from_json(payload)

    def document_first_seen(self, doc_id: str) -> datetime | None:
        """When the document was first stored (the payload keeps only the latest fetch)."""
        with self.read_session() as session:
            return session.scalar(select(DocumentRow.first_seen_at).where(DocumentRow.id == doc_id))

    def get_documents(self, ids: Sequence[str]) -> list[Document]:
        """The stored documents among `ids`, in the order asked (missing ids are skipped)."""
        found: dict[str, Document] = {}
        with self.read_session() as session:
            for chunk in chunks(ids, IN_CHUNK):
                query = select(DocumentRow.payload).where(DocumentRow.id.in_(chunk))
                for (payload,) in session.connection().execute(query):  # Core: no ORM loading
                    found[payload["id"]] = Document.from_json(payload)
        return [found[doc_id] for doc_id in ids if doc_id in found]

    def find_duplicates(self, document: Document, *, limit: int = 20) -> list[Document]:
        """Other sources' documents with `document`'s duplicate key: candidates, not verdicts.

        The caller decides whether a candidate is the same item; `limit` bounds the work for
        titles that many unrelated items share.
        """
        key = duplicate_key(document)
        if key is None:
            return []
        query = (
            select(DocumentRow.payload)
            .where(DocumentRow.duplicate_key == key, DocumentRow.source_id != document.source_id)
            .order_by(DocumentRow.first_seen_at, DocumentRow.id)
            .limit(limit)
        )
        with self.read_session() as session:
            return [Document.from_json(payload) for payload in session.scalars(query)]

    def newest_first_seen(self, source_id: str) -> datetime | None:
        """When the source last brought a document never seen before (None: never)."""
        query = select(func.max(DocumentRow.first_seen_at)).where(
            DocumentRow.source_id == source_id
        )
        with self.read_session() as session:
            return session.scalar(query)

    def changed_document_ids(self, source_id: str, since: datetime) -> list[str]:
        """Ids of the source's documents stored or changed at or after `since`."""
        query = select(DocumentRow.id).where(
            DocumentRow.source_id == source_id, DocumentRow.changed_at >= since
        )
        with self.read_session() as session:
            return list(session.scalars(query.order_by(DocumentRow.id)))

    def count_documents_by_source(self) -> dict[str, int]:
        """How many documents each source has in the store; sources without any are absent."""
        query = select(DocumentRow.source_id, func.count()).group_by(DocumentRow.source_id)
        with self.read_session() as session:
            return {source_id: count for source_id, count in session.execute(query).all()}

    def count_documents(self) -> int:
        """How many documents the store holds."""
        with self.read_session() as session:
            return session.scalar(select(func.count()).select_from(DocumentRow)) or 0

    def iter_documents(self, batch_size: int = 500) -> Iterator[Document]:
        """Every document in id order, one short read per page (keyset pagination).

        Memory stays constant; pages are separate snapshots, so a reindex relies on the outbox
        for writes that happen while it runs.
        """
        last_id: str | None = None
        while True:
            query = select(DocumentRow.id, DocumentRow.payload).order_by(DocumentRow.id)
            if last_id is not None:
                query = query.where(DocumentRow.id > last_id)
            with self.read_session() as session:
                page = session.connection().execute(query.limit(batch_size)).all()
            if not page:
                return
            for _id, payload in page:
                yield Document.from_json(payload)
            last_id = page[-1].id

    def outbox_batch(self, limit: int = 500) -> list[OutboxEntry]:
        """The next index changes to apply, oldest first, entries that failed before last."""
        query = (
            select(OutboxRow.document_id, OutboxRow.action, OutboxRow.version)
            .order_by(OutboxRow.attempts, OutboxRow.enqueued_at, OutboxRow.document_id)
            .limit(limit)
        )
        with self.read_session() as session:
            rows = session.execute(query).all()
        return [
            OutboxEntry(doc_id, OutboxAction(action), version) for doc_id, action, version in rows
        ]

    def ack_outbox(self, entries: Iterable[OutboxEntry]) -> None:
        """Forget applied changes, unless the document was enqueued again meanwhile."""
        params = [{"doc": e.document_id, "ver": e.version} for e in entries]
        if params:
            with self.session() as session:
                session.connection().execute(delete(OutboxRow).where(_is_entry()), params)

    def fail_outbox(self, entries: Iterable[OutboxEntry], error: str) -> None:
        """Record a failed attempt; the entries stay queued behind those never tried."""
        params = [{"doc": e.document_id, "ver": e.version} for e in entries]
        if params:
            failed = update(OutboxRow).where(_is_entry())
            failed = failed.values(attempts=OutboxRow.attempts + 1, last_error=error)
            with self.session() as session:
                session.connection().execute(failed, params)

    def count_outbox(self) -> int:
        """How many documents wait for the index sync."""
        with self.read_session() as session:
            return session.scalar(select(func.count()).select_from(OutboxRow)) or 0


def _save_batch(
    session: Session, docs: Sequence[Document], now: datetime, result: SaveResult
) -> None:
    latest = {doc.id: doc for doc in docs}  # a repeated id within a batch: the last one wins
    known = _known_hashes(session, list(latest))
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    for doc_id, doc in latest.items():
        change_key = doc.content_hash or _payload_hash(doc)
        if doc_id not in known:
            new_rows.append(_row(doc, change_key) | {"first_seen_at": now, "changed_at": now})
            result.new.append(doc_id)
        elif known[doc_id] != change_key:
            changed_rows.append(_row(doc, change_key) | {"changed_at": now})
            result.changed.append(doc_id)
        else:
            result.unchanged.append(doc_id)
    # Core executemany, not ORM bulk: the ORM splits a batch wherever rows' None columns differ.
    if new_rows:
        session.connection().execute(insert(DocumentRow), new_rows)
    if changed_rows:
        by_id = update(DocumentRow).where(DocumentRow.id == bindparam("row_id"))
        session.connection().execute(by_id, [_by_id(row) for row in changed_rows])
    _enqueue(session, [row["id"] for row in new_rows + changed_rows], OutboxAction.UPSERT, now)


def _known_hashes(session: Session, ids: list[str]) -> dict[str, str]:
    known: dict[str, str] = {}
    for chunk in chunks(ids, IN_CHUNK):
        query = select(DocumentRow.id, DocumentRow.content_hash).where(DocumentRow.id.in_(chunk))
        known.update((doc_id, content_hash) for doc_id, content_hash in session.execute(query))
    return known


def _row(doc: Document, change_key: str) -> dict[str, Any]:
    return {
        "id": doc.id,
        "kind": doc.kind.value,
        "source_id": doc.source_id,
        "title": doc.title,
        "url": doc.url,
        "language": doc.language,
        "published_at": doc.published_at,
        "updated_at": doc.updated_at,
        "fetched_at": doc.fetched_at,
        "starts_on": doc.starts_on,
        "ends_on": doc.ends_on,
        "deadline": doc.deadline,
        "effective_on": doc.effective_on,
        "content_hash": change_key,
        "payload": doc.to_json(),
        "duplicate_key": duplicate_key(doc),
    }


def _by_id(row: dict[str, Any]) -> dict[str, Any]:
    """Parameters for the UPDATE ... WHERE id = :row_id statement (the id itself is not set)."""
    params = {key: value for key, value in row.items() if key != "id"}
    params["row_id"] = row["id"]
    return params


def _payload_hash(doc: Document) -> str:
    """Change key for a document without `content_hash`: a hash of its whole JSON shape."""
    text = json.dumps(doc.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "payload:" + hashlib.sha256(text.encode()).hexdigest()


def _enqueue(session: Session, ids: Sequence[str], action: OutboxAction, now: datetime) -> None:
    if not ids:
        return
    new = upsert_insert(session, OutboxRow)
    upsert = new.on_conflict_do_update(
        index_elements=[OutboxRow.document_id],
        set_={
            "action": new.excluded.action,
            "version": OutboxRow.version + 1,
            "enqueued_at": new.excluded.enqueued_at,
            "attempts": 0,
            "last_error": None,
        },
    )
    rows = [{"document_id": i, "action": action.value, "enqueued_at": now} for i in ids]
    session.connection().execute(upsert, rows)


def _is_entry() -> ColumnElement[bool]:
    return (OutboxRow.document_id == bindparam("doc")) & (OutboxRow.version == bindparam("ver"))
