"""Pending alerts: durable matches waiting for their digest, one per subscription and document.

The matcher writes them (`sync_pending`, `add_pending`), the digest job reads and clears them.
Writes are idempotent: the unique (subscriber, document, subscription) key makes a repeated
match an insert-or-ignore on SQLite and PostgreSQL alike. A document already delivered to a
subscriber never becomes pending for them again, so a changed document is not sent twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from exportwatch.model import utcnow
from exportwatch.store.database import StoreBase
from exportwatch.store.sql import IN_CHUNK, chunks, upsert_insert
from exportwatch.store.tables import DeliveryRow, DocumentRow, PendingAlertRow, SubscriptionRow

__all__ = ["AlertsMixin", "PendingAlert", "PendingChange", "PendingMatch"]


class PendingMatch(Protocol):
    """What the store needs of a match (`exportwatch.alerts.Match` is one)."""

    @property
    def subscription_id(self) -> int: ...
    @property
    def subscriber_id(self) -> int: ...
    @property
    def document_id(self) -> str: ...
    @property
    def reason(self) -> str:
        """Why it matched, encoded by the matcher; the store keeps it as it is."""
        ...


@dataclass(frozen=True, slots=True)
class PendingAlert:
    """A stored match waiting for its subscriber's next digest."""

    id: int
    subscriber_id: int
    subscription_id: int
    document_id: str
    reason: str
    matched_at: datetime


@dataclass(frozen=True, slots=True)
class PendingChange:
    """What `sync_pending` did: alerts added, and alerts withdrawn as no longer matching."""

    added: int = 0
    withdrawn: int = 0


_Key = tuple[int, str, int]  # (subscriber, document, subscription): the unique key


class AlertsMixin(StoreBase):
    """Add, read and clear pending alerts."""

    def add_pending(self, matches: Iterable[PendingMatch], now: datetime | None = None) -> int:
        """Store new matches; returns how many were added.

        Skipped: matches already pending, documents already delivered to the subscriber, and
        matches whose subscription or document no longer exists.
        """
        with self.session() as session:
            return _add(session, matches, now or utcnow())

    def sync_pending(
        self,
        document_ids: Iterable[str],
        matches: Iterable[PendingMatch],
        now: datetime | None = None,
    ) -> PendingChange:
        """Make the pending alerts of `document_ids` what `matches` says, in one transaction.

        Alerts of these documents that are not among `matches` are withdrawn (a changed
        document that no longer matches); the matches are added as `add_pending` does.
        """
        matches = list(matches)
        keep = {(m.subscriber_id, m.document_id, m.subscription_id) for m in matches}
        with self.session() as session:
            withdrawn = _withdraw(session, document_ids, keep)
            added = _add(session, matches, now or utcnow())
        return PendingChange(added=added, withdrawn=withdrawn)

    def pending_for(self, subscriber_id: int) -> list[PendingAlert]:
        """A subscriber's pending alerts, oldest match first."""
        query = (
            select(PendingAlertRow)
            .where(PendingAlertRow.subscriber_id == subscriber_id)
            .order_by(PendingAlertRow.matched_at, PendingAlertRow.id)
        )
        with self.read_session() as session:
            return [_pending(row) for row in session.scalars(query)]

    def pending_subscribers(self) -> list[int]:
        """Ids of the subscribers with at least one pending alert, ascending."""
        query = select(PendingAlertRow.subscriber_id).distinct().order_by("subscriber_id")
        with self.read_session() as session:
            return list(session.scalars(query))

    def clear_pending(self, ids: Iterable[int]) -> int:
        """Delete pending alerts by id (sent, or dropped); returns how many were deleted."""
        deleted = 0
        with self.session() as session:
            for chunk in chunks(ids, IN_CHUNK):
                gone = session.execute(delete(PendingAlertRow).where(PendingAlertRow.id.in_(chunk)))
                deleted += cast(CursorResult[Any], gone).rowcount
        return deleted


def _add(session: Session, matches: Iterable[PendingMatch], now: datetime) -> int:
    rows: dict[_Key, str] = {}
    for match in matches:
        key = (match.subscriber_id, match.document_id, match.subscription_id)
        rows.setdefault(key, match.reason)
    added = 0
    for chunk in chunks(rows.items(), IN_CHUNK):
        wanted = _storable(session, [key for key, _reason in chunk])
        values = [
            {
                "subscriber_id": subscriber_id,
                "document_id": document_id,
                "subscription_id": subscription_id,
                "reason": reason,
                "matched_at": now,
            }
            for (subscriber_id, document_id, subscription_id), reason in chunk
            if (subscriber_id, document_id, subscription_id) in wanted
        ]
        if values:
            insert = upsert_insert(session, PendingAlertRow).on_conflict_do_nothing(
                index_elements=["subscriber_id", "document_id", "subscription_id"]
            )
            inserted = session.execute(insert.returning(PendingAlertRow.id), values)
            added += len(inserted.all())
    return added


def _storable(session: Session, keys: Sequence[_Key]) -> set[_Key]:
    """The keys whose subscription and document exist and whose pair was never delivered."""
    subscription_ids = {key[2] for key in keys}
    document_ids = {key[1] for key in keys}
    subscriptions = {
        (subscription_id, subscriber_id)
        for subscription_id, subscriber_id in session.execute(
            select(SubscriptionRow.id, SubscriptionRow.subscriber_id).where(
                SubscriptionRow.id.in_(subscription_ids)
            )
        )
    }
    documents = set(session.scalars(select(DocumentRow.id).where(DocumentRow.id.in_(document_ids))))
    delivered = {
        (subscriber_id, document_id)
        for subscriber_id, document_id in session.execute(
            select(DeliveryRow.subscriber_id, DeliveryRow.document_id).where(
                DeliveryRow.document_id.in_(document_ids)
            )
        )
    }
    return {
        key
        for key in keys
        if (key[2], key[0]) in subscriptions
        and key[1] in documents
        and (key[0], key[1]) not in delivered
    }


def _withdraw(session: Session, document_ids: Iterable[str], keep: set[_Key]) -> int:
    withdrawn = 0
    for chunk in chunks(document_ids, IN_CHUNK):
        query = select(
            PendingAlertRow.id,
            PendingAlertRow.subscriber_id,
            PendingAlertRow.document_id,
            PendingAlertRow.subscription_id,
        ).where(PendingAlertRow.document_id.in_(chunk))
        stale = [row_id for row_id, *key in session.execute(query) if tuple(key) not in keep]
        for ids in chunks(stale, IN_CHUNK):
            gone = session.execute(delete(PendingAlertRow).where(PendingAlertRow.id.in_(ids)))
            withdrawn += cast(CursorResult[Any], gone).rowcount
    return withdrawn


def _pending(row: PendingAlertRow) -> PendingAlert:
    return PendingAlert(
        id=row.id,
        subscriber_id=row.subscriber_id,
        subscription_id=row.subscription_id,
        document_id=row.document_id,
        reason=row.reason,
        matched_at=row.matched_at,
    )
