"""Digest bookkeeping for exactly-once delivery: intent before sending, sent after, bounces.

`begin_digest` records the digest and its deliveries in one transaction before anything is
sent; `mark_sent` confirms them and clears the pending alerts; a crash in between leaves the
digest in `intent`, and `unsent_digests` hands it back to be sent again with the same
Message-ID. The unique (subscriber, document) pair in deliveries is the last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, CursorResult, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exportwatch.model import Frequency, Subscriber, utcnow
from exportwatch.store.database import StoreBase
from exportwatch.store.sql import IN_CHUNK, chunks
from exportwatch.store.subscribers import _subscriber
from exportwatch.store.tables import (
    DeliveryRow,
    DigestRow,
    DocumentRow,
    PendingAlertRow,
    SubscriberRow,
)

__all__ = [
    "BOUNCE_LIMIT",
    "BOUNCE_PAUSE",
    "AddressState",
    "BounceOutcome",
    "ClosingSoonDelivery",
    "DigestRecord",
    "DigestStatus",
    "DigestsMixin",
]

BOUNCE_LIMIT = 3  # hard bounces in a row that disable an address
BOUNCE_PAUSE = timedelta(hours=24)  # after a hard bounce, nothing is tried before this passed
DigestStatus = Literal["intent", "sent", "failed"]
_BEGIN_TRIES = 3  # a concurrent writer may win a unique key; the retry then sees its rows


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """One digest as recorded: the documents it carries (new and closing-soon) and its state.

    `reasons` maps a document id to why it matched (the matcher's encoding); `created` says
    whether `begin_digest` made the record now or found it under the same Message-ID.
    """

    id: int
    subscriber_id: int
    message_id: str
    status: DigestStatus
    document_ids: tuple[str, ...]
    closing_soon_ids: tuple[str, ...]
    reasons: Mapping[str, str]
    frequencies: tuple[Frequency, ...]
    slot: datetime | None
    created_at: datetime
    attempts: int = 0
    sent_at: datetime | None = None
    retry_at: datetime | None = None
    last_error: str | None = None
    created: bool = False


@dataclass(frozen=True, slots=True)
class BounceOutcome:
    """After a hard bounce: the bounces in a row so far, and whether the address is now off."""

    hard_bounces: int
    disabled: bool


@dataclass(frozen=True, slots=True)
class AddressState:
    """Whether a subscriber can be written to, as far as bounces and opt-outs go."""

    subscriber_id: int
    confirmed: bool
    unsubscribed: bool
    hard_bounces: int
    bounced_at: datetime | None
    disabled_at: datetime | None

    @property
    def closed(self) -> bool:
        """Nothing will ever be sent again (unsubscribed or disabled), unlike a bounce pause."""
        return self.unsubscribed or self.disabled_at is not None


@dataclass(frozen=True, slots=True)
class ClosingSoonDelivery:
    """A document delivered earlier whose deadline is near, with why it matched then."""

    document_id: str
    deadline: date
    reason: str | None


class DigestsMixin(StoreBase):
    """Record digests before sending, confirm or fail them, and read what is still owed."""

    def begin_digest(
        self,
        subscriber_id: int,
        message_id: str,
        document_ids: Sequence[str],
        frequency: Frequency | Iterable[Frequency],
        slot: datetime,
        now: datetime | None = None,
        *,
        reasons: Mapping[str, str] | None = None,
        closing_soon_ids: Sequence[str] = (),
    ) -> DigestRecord | None:
        """Record the intent to send, with a delivery per new document, in one transaction.

        Documents already delivered to the subscriber are left out, and so are closing-soon
        reminders already listed by another digest. None when nothing is left to send. The
        same `message_id` again returns the existing record (`created` False), whatever its
        status: the caller sends only a record it created and leaves the rest to reconciling.
        """
        frequencies = _frequencies(frequency)
        now = now or utcnow()
        for attempt in range(_BEGIN_TRIES):
            try:
                with self.session() as session:
                    return _begin(
                        session,
                        subscriber_id,
                        message_id,
                        document_ids,
                        frequencies,
                        slot,
                        now,
                        reasons or {},
                        closing_soon_ids,
                    )
            except IntegrityError:
                if attempt == _BEGIN_TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def get_digest(self, digest_id: int) -> DigestRecord | None:
        """The digest with this id, or None."""
        with self.read_session() as session:
            row = session.get(DigestRow, digest_id)
            return None if row is None else _record(session, row)

    def mark_sent(self, digest_id: int, now: datetime | None = None) -> bool:
        """The relay accepted the digest: deliveries confirmed, pending alerts of its documents
        cleared, closing-soon reminders marked as sent, the bounce count reset.

        False when the digest is unknown or not in `intent` (already sent, bounced, dropped).
        """
        now = now or utcnow()
        with self.session() as session:
            row = session.get(DigestRow, digest_id, with_for_update=True)
            if row is None or row.status != "intent":
                return False
            row.status, row.sent_at, row.retry_at = "sent", now, None
            row.attempts += 1
            mine = DeliveryRow.digest_id == digest_id
            document_ids = list(session.scalars(select(DeliveryRow.document_id).where(mine)))
            session.execute(update(DeliveryRow).where(mine).values(delivered_at=now))
            session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.closing_soon_digest_id == digest_id)
                .values(closing_soon_sent_at=now)
            )
            for chunk in chunks(document_ids, IN_CHUNK):
                session.execute(
                    delete(PendingAlertRow).where(
                        PendingAlertRow.subscriber_id == row.subscriber_id,
                        PendingAlertRow.document_id.in_(chunk),
                    )
                )
            session.execute(
                update(SubscriberRow)
                .where(SubscriberRow.id == row.subscriber_id)
                .values(hard_bounces=0)
            )
        return True

    def mark_failed_temporarily(self, digest_id: int, error: str, retry_at: datetime) -> int:
        """Sending failed for now: the digest stays owed and waits until `retry_at`.

        Returns the attempts made so far (0 when the digest is not in `intent`).
        """
        with self.session() as session:
            row = session.get(DigestRow, digest_id, with_for_update=True)
            if row is None or row.status != "intent":
                return 0
            row.attempts += 1
            row.last_error, row.retry_at = error, retry_at
            return row.attempts

    def mark_bounced(
        self, digest_id: int, error: str, now: datetime | None = None
    ) -> BounceOutcome | None:
        """A hard bounce (5xx at RCPT): the digest failed and its items stay deliverable.

        Its deliveries are removed (the pending alerts were never cleared), its closing-soon
        reminders are released, and the subscriber's bounce count grows; at BOUNCE_LIMIT in a
        row the address is disabled. None when the digest is not in `intent`.
        """
        now = now or utcnow()
        with self.session() as session:
            row = session.get(DigestRow, digest_id, with_for_update=True)
            if row is None or row.status != "intent":
                return None
            row.attempts += 1
            _close(session, row, error)
            person = session.get(SubscriberRow, row.subscriber_id, with_for_update=True)
            if person is None:
                return BounceOutcome(0, disabled=False)
            person.hard_bounces += 1
            person.bounced_at = now
            if person.hard_bounces >= BOUNCE_LIMIT and person.disabled_at is None:
                person.disabled_at = now
            return BounceOutcome(person.hard_bounces, disabled=person.disabled_at is not None)

    def abandon_digest(self, digest_id: int, reason: str) -> bool:
        """Give an unsent digest up without blaming the address (unsubscribed meanwhile, or
        its documents are gone); like a bounce, its items stay deliverable."""
        with self.session() as session:
            row = session.get(DigestRow, digest_id, with_for_update=True)
            if row is None or row.status != "intent":
                return False
            _close(session, row, reason)
            return True

    def unsent_digests(self, now: datetime | None = None) -> list[DigestRecord]:
        """Digests still in `intent` that may be sent now (no `retry_at` in the future), oldest
        first: left by a crash between sending and recording, or waiting after a failure."""
        query = select(DigestRow).where(DigestRow.status == "intent")
        if now is not None:
            query = query.where(or_(DigestRow.retry_at.is_(None), DigestRow.retry_at <= now))
        with self.read_session() as session:
            rows = list(session.scalars(query.order_by(DigestRow.id)))
            return [_record(session, row) for row in rows]

    def subscribers_awaiting_retry(self) -> set[int]:
        """Ids of subscribers with a digest still in `intent` (sent again before anything new)."""
        query = select(DigestRow.subscriber_id).where(DigestRow.status == "intent").distinct()
        with self.read_session() as session:
            return set(session.scalars(query))

    def last_digest_at(self, subscriber_id: int, frequency: Frequency) -> datetime | None:
        """The latest due moment (slot) a digest served for the subscriber's `frequency`."""
        query = select(func.max(DigestRow.slot)).where(
            DigestRow.subscriber_id == subscriber_id, _serves(frequency)
        )
        with self.read_session() as session:
            return session.scalar(query)

    def last_digest_slots(self, frequency: Frequency) -> dict[int, datetime]:
        """`last_digest_at` for every subscriber at once: subscriber id -> latest slot."""
        query = (
            select(DigestRow.subscriber_id, func.max(DigestRow.slot))
            .where(_serves(frequency), DigestRow.slot.is_not(None))
            .group_by(DigestRow.subscriber_id)
        )
        with self.read_session() as session:
            rows = session.execute(query).all()
        return {subscriber_id: slot for subscriber_id, slot in rows if slot is not None}

    def delivered_closing_soon(
        self, subscriber_id: int, today: date, days: int = 14
    ) -> list[ClosingSoonDelivery]:
        """Documents sent to the subscriber earlier whose deadline is within `days` of `today`
        and that no digest has listed as closing soon yet, soonest deadline first.

        Only documents delivered before their deadline came this close are reminded of: one
        sent later already showed how soon it closes.
        """
        last = today + timedelta(days=days)
        query = (
            select(
                DeliveryRow.document_id,
                DocumentRow.deadline,
                DeliveryRow.reason,
                DeliveryRow.delivered_at,
            )
            .join(DocumentRow, DocumentRow.id == DeliveryRow.document_id)
            .outerjoin(DigestRow, DigestRow.id == DeliveryRow.digest_id)
            .where(
                DeliveryRow.subscriber_id == subscriber_id,
                _closing_soon_open(today, last),
            )
            .order_by(DocumentRow.deadline, DeliveryRow.document_id)
        )
        with self.read_session() as session:
            rows = session.execute(query).all()
        window = timedelta(days=days)
        return [
            ClosingSoonDelivery(document_id, deadline, reason)
            for document_id, deadline, reason, delivered_at in rows
            if deadline is not None and delivered_at.date() < deadline - window
        ]

    def subscribers_with_closing_soon(self, first_day: date, last_day: date) -> set[int]:
        """Ids of subscribers with an unlisted delivered document whose deadline is in range
        (a cheap pre-filter for `delivered_closing_soon`)."""
        query = (
            select(DeliveryRow.subscriber_id)
            .join(DocumentRow, DocumentRow.id == DeliveryRow.document_id)
            .outerjoin(DigestRow, DigestRow.id == DeliveryRow.digest_id)
            .where(_closing_soon_open(first_day, last_day))
            .distinct()
        )
        with self.read_session() as session:
            return set(session.scalars(query))

    def deliverable_subscribers(self, now: datetime | None = None) -> list[Subscriber]:
        """Subscribers digests may go to: confirmed, subscribed, not disabled, and not within
        BOUNCE_PAUSE of a hard bounce. By id."""
        now = now or utcnow()
        query = (
            select(SubscriberRow)
            .where(
                SubscriberRow.confirmed_at.is_not(None),
                SubscriberRow.unsubscribed_at.is_(None),
                SubscriberRow.disabled_at.is_(None),
                or_(
                    SubscriberRow.bounced_at.is_(None),
                    SubscriberRow.bounced_at <= now - BOUNCE_PAUSE,
                ),
            )
            .order_by(SubscriberRow.id)
        )
        with self.read_session() as session:
            return [_subscriber(row) for row in session.scalars(query)]

    def address_state(self, subscriber_id: int) -> AddressState | None:
        """Bounces and opt-out of one subscriber, or None when there is no such subscriber."""
        with self.read_session() as session:
            row = session.get(SubscriberRow, subscriber_id)
            if row is None:
                return None
            return AddressState(
                subscriber_id=row.id,
                confirmed=row.confirmed_at is not None,
                unsubscribed=row.unsubscribed_at is not None,
                hard_bounces=row.hard_bounces,
                bounced_at=row.bounced_at,
                disabled_at=row.disabled_at,
            )

    def enable_address(self, subscriber_id: int) -> bool:
        """Undo a disabling (the address works again): bounce count and pause reset."""
        query = (
            update(SubscriberRow)
            .where(SubscriberRow.id == subscriber_id)
            .values(hard_bounces=0, bounced_at=None, disabled_at=None)
        )
        with self.session() as session:
            return cast(CursorResult[Any], session.execute(query)).rowcount > 0


def _begin(
    session: Session,
    subscriber_id: int,
    message_id: str,
    document_ids: Sequence[str],
    frequencies: tuple[Frequency, ...],
    slot: datetime,
    now: datetime,
    reasons: Mapping[str, str],
    closing_soon_ids: Sequence[str],
) -> DigestRecord | None:
    existing = session.scalar(select(DigestRow).where(DigestRow.message_id == message_id))
    if existing is not None:
        return _record(session, existing)
    wanted = list(dict.fromkeys(document_ids))
    delivered = _delivered(session, subscriber_id, wanted)
    _drop_stale_pending(session, subscriber_id, delivered)
    fresh = [doc_id for doc_id in wanted if doc_id not in delivered]
    closing = _open_reminders(session, subscriber_id, closing_soon_ids)
    if not fresh and not closing:
        return None
    row = DigestRow(
        subscriber_id=subscriber_id,
        message_id=message_id,
        status="intent",
        created_at=now,
        attempts=0,
        frequencies=" ".join(frequency.value for frequency in frequencies),
        slot=slot,
        document_count=len(fresh),
    )
    session.add(row)
    session.flush()
    session.add_all(
        DeliveryRow(
            subscriber_id=subscriber_id,
            document_id=doc_id,
            digest_id=row.id,
            delivered_at=now,
            reason=reasons.get(doc_id),
        )
        for doc_id in fresh
    )
    for chunk in chunks(closing, IN_CHUNK):
        session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.subscriber_id == subscriber_id,
                DeliveryRow.document_id.in_(chunk),
                DeliveryRow.closing_soon_digest_id.is_(None),
            )
            .values(closing_soon_digest_id=row.id)
        )
    session.flush()  # a concurrent delivery of the same pair fails here, inside the retry loop
    return _record(session, row, created=True)


def _delivered(session: Session, subscriber_id: int, document_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(document_ids, IN_CHUNK):
        found.update(
            session.scalars(
                select(DeliveryRow.document_id).where(
                    DeliveryRow.subscriber_id == subscriber_id, DeliveryRow.document_id.in_(chunk)
                )
            )
        )
    return found


def _drop_stale_pending(session: Session, subscriber_id: int, document_ids: set[str]) -> None:
    """Pending alerts of documents whose delivery was confirmed (a match that raced the send);
    those of a digest still owed stay, so a bounce leaves them deliverable."""
    for chunk in chunks(sorted(document_ids), IN_CHUNK):
        confirmed = (
            select(DeliveryRow.document_id)
            .outerjoin(DigestRow, DigestRow.id == DeliveryRow.digest_id)
            .where(
                DeliveryRow.subscriber_id == subscriber_id,
                DeliveryRow.document_id.in_(chunk),
                or_(DeliveryRow.digest_id.is_(None), DigestRow.status == "sent"),
            )
        )
        session.execute(
            delete(PendingAlertRow).where(
                PendingAlertRow.subscriber_id == subscriber_id,
                PendingAlertRow.document_id.in_(confirmed),
            )
        )


def _open_reminders(session: Session, subscriber_id: int, document_ids: Sequence[str]) -> list[str]:
    """The ids among `document_ids` delivered to the subscriber and not yet listed as closing."""
    wanted = list(dict.fromkeys(document_ids))
    open_ids: set[str] = set()
    for chunk in chunks(wanted, IN_CHUNK):
        open_ids.update(
            session.scalars(
                select(DeliveryRow.document_id).where(
                    DeliveryRow.subscriber_id == subscriber_id,
                    DeliveryRow.document_id.in_(chunk),
                    DeliveryRow.closing_soon_digest_id.is_(None),
                    DeliveryRow.closing_soon_sent_at.is_(None),
                )
            )
        )
    return [doc_id for doc_id in wanted if doc_id in open_ids]


def _close(session: Session, row: DigestRow, error: str) -> None:
    """Fail the digest: its deliveries go, its closing-soon claims are released."""
    row.status, row.last_error, row.retry_at = "failed", error, None
    session.execute(delete(DeliveryRow).where(DeliveryRow.digest_id == row.id))
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.closing_soon_digest_id == row.id)
        .values(closing_soon_digest_id=None)
    )


def _closing_soon_open(first_day: date, last_day: date) -> ColumnElement[bool]:
    """Deliveries confirmed as sent, not listed as closing soon, deadline within the days."""
    return and_(
        DeliveryRow.closing_soon_digest_id.is_(None),
        DeliveryRow.closing_soon_sent_at.is_(None),
        or_(DeliveryRow.digest_id.is_(None), DigestRow.status == "sent"),
        DocumentRow.deadline.is_not(None),
        DocumentRow.deadline >= first_day,
        DocumentRow.deadline <= last_day,
    )


def _serves(frequency: Frequency) -> ColumnElement[bool]:
    return DigestRow.frequencies.contains(Frequency(frequency).value)


def _frequencies(frequency: Frequency | Iterable[Frequency]) -> tuple[Frequency, ...]:
    given = [frequency] if isinstance(frequency, str) else list(frequency)
    return tuple(sorted({Frequency(value) for value in given}, key=list(Frequency).index))


def _record(session: Session, row: DigestRow, *, created: bool = False) -> DigestRecord:
    deliveries = session.execute(
        select(DeliveryRow.document_id, DeliveryRow.reason)
        .where(DeliveryRow.digest_id == row.id)
        .order_by(DeliveryRow.id)
    ).all()
    closing = session.execute(
        select(DeliveryRow.document_id, DeliveryRow.reason)
        .where(DeliveryRow.closing_soon_digest_id == row.id)
        .order_by(DeliveryRow.id)
    ).all()
    reasons = {doc_id: reason for doc_id, reason in [*deliveries, *closing] if reason}
    return DigestRecord(
        id=row.id,
        subscriber_id=row.subscriber_id,
        message_id=row.message_id,
        status=cast(DigestStatus, row.status),
        document_ids=tuple(doc_id for doc_id, _ in deliveries),
        closing_soon_ids=tuple(doc_id for doc_id, _ in closing),
        reasons=reasons,
        frequencies=tuple(Frequency(value) for value in row.frequencies.split()),
        slot=row.slot,
        created_at=row.created_at,
        attempts=row.attempts,
        sent_at=row.sent_at,
        retry_at=row.retry_at,
        last_error=row.last_error,
        created=created,
    )
