"""Subscribers and their subscriptions; emails are stored lower-case, unique in any case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from exportwatch.model import Frequency, Kind, Subscriber, Subscription, utcnow
from exportwatch.store.database import StoreBase
from exportwatch.store.errors import DuplicateSubscriberError, NotFoundError
from exportwatch.store.tables import PendingAlertRow, SubscriberRow, SubscriptionRow

__all__ = ["SubscribersMixin", "normalize_email"]


def normalize_email(email: str) -> str:
    """The stored form of an address: trimmed and lower-cased."""
    return email.strip().lower()


class SubscribersMixin(StoreBase):
    """Add, list, confirm, unsubscribe and remove subscribers; add and read subscriptions."""

    def add_subscriber(
        self, subscriber: Subscriber, *, confirmed: bool = False, now: datetime | None = None
    ) -> Subscriber:
        """Store a new subscriber; `confirmed` skips double opt-in (admin and CLI use)."""
        now = now or utcnow()
        email = normalize_email(subscriber.email)
        with self.session() as session:
            if session.scalar(select(SubscriberRow.id).where(SubscriberRow.email == email)):
                raise DuplicateSubscriberError(email)
            row = _new_row(subscriber, email, confirmed=confirmed, now=now)
            session.add(row)
            session.flush()
            return _subscriber(row)

    def enrol_subscriber(
        self,
        subscriber: Subscriber,
        subscriptions: Sequence[Subscription],
        *,
        confirmed: bool = False,
        now: datetime | None = None,
    ) -> tuple[Subscriber, list[Subscription]]:
        """Store a subscriber with their subscriptions in one transaction.

        An address that unsubscribed earlier is taken back under its old id (so nothing
        delivered before is delivered again): its details are replaced, its old subscriptions
        stay inactive, and it is unconfirmed again unless `confirmed`. Any other existing
        address raises DuplicateSubscriberError. `subscriber_id` of the subscriptions is ignored.
        """
        now = now or utcnow()
        email = normalize_email(subscriber.email)
        with self.session() as session:
            row = session.scalar(select(SubscriberRow).where(SubscriberRow.email == email))
            if row is not None and row.unsubscribed_at is None:
                raise DuplicateSubscriberError(email)
            if row is None:
                row = _new_row(subscriber, email, confirmed=confirmed, now=now)
                session.add(row)
            else:
                _take_back(row, subscriber, confirmed=confirmed, now=now)
            session.flush()
            added = [_add_subscription(session, row.id, wanted, now) for wanted in subscriptions]
            return _subscriber(row), added

    def get_subscriber(self, email: str) -> Subscriber | None:
        """The subscriber with this email (in any case), or None."""
        query = select(SubscriberRow).where(SubscriberRow.email == normalize_email(email))
        with self.read_session() as session:
            row = session.scalar(query)
            return None if row is None else _subscriber(row)

    def get_subscriber_by_id(self, subscriber_id: int) -> Subscriber | None:
        """The subscriber with this id, or None."""
        with self.read_session() as session:
            row = session.get(SubscriberRow, subscriber_id)
            return None if row is None else _subscriber(row)

    def update_subscriber_details(self, subscriber: Subscriber) -> Subscriber:
        """Store a subscriber's name, organisation, email language and time zone.

        The address and its status stay as they are. Raises NotFoundError for an unknown id.
        """
        with self.session() as session:
            row = session.get(SubscriberRow, subscriber.id)
            if row is None:
                raise NotFoundError("subscriber", str(subscriber.id))
            row.name, row.organisation = subscriber.name, subscriber.organisation
            row.language, row.timezone = subscriber.language, subscriber.timezone
            session.flush()
            return _subscriber(row)

    def list_subscribers(self) -> list[Subscriber]:
        """Every subscriber, by email."""
        with self.read_session() as session:
            rows = session.scalars(select(SubscriberRow).order_by(SubscriberRow.email))
            return [_subscriber(row) for row in rows]

    def remove_subscriber(self, email: str) -> bool:
        """Delete a subscriber with everything of theirs; False if there was none."""
        query = delete(SubscriberRow).where(SubscriberRow.email == normalize_email(email))
        with self.session() as session:
            removed = cast(CursorResult[Any], session.execute(query)).rowcount
        return removed > 0

    def confirm_subscriber(self, subscriber_id: int, now: datetime | None = None) -> bool:
        """Record the double opt-in; False when already confirmed, unsubscribed or unknown."""
        query = (
            update(SubscriberRow)
            .where(
                SubscriberRow.id == subscriber_id,
                SubscriberRow.confirmed_at.is_(None),
                SubscriberRow.unsubscribed_at.is_(None),
            )
            .values(confirmed_at=now or utcnow())
        )
        with self.session() as session:
            return cast(CursorResult[Any], session.execute(query)).rowcount > 0

    def unsubscribe_subscriber(self, subscriber_id: int, now: datetime | None = None) -> bool:
        """Stop everything for a subscriber: subscriptions inactive, pending alerts dropped.

        The row stays (with `unsubscribed_at`), so what was delivered is never sent again if
        the address subscribes anew. False when already unsubscribed or unknown.
        """
        query = (
            update(SubscriberRow)
            .where(SubscriberRow.id == subscriber_id, SubscriberRow.unsubscribed_at.is_(None))
            .values(unsubscribed_at=now or utcnow())
        )
        with self.session() as session:
            changed = cast(CursorResult[Any], session.execute(query)).rowcount > 0
            _deactivate(session, subscriber_id)
        return changed

    def deactivate_subscriptions(self, subscriber_id: int) -> int:
        """Make a subscriber's subscriptions inactive and drop their pending alerts; how many."""
        with self.session() as session:
            return _deactivate(session, subscriber_id)

    def add_subscription(
        self, subscription: Subscription, *, now: datetime | None = None
    ) -> Subscription:
        """Store a subscription of an existing subscriber; returns it with its id."""
        with self.session() as session:
            if subscription.subscriber_id is None or not session.get(
                SubscriberRow, subscription.subscriber_id
            ):
                raise NotFoundError("subscriber", subscription.subscriber_id)
            return _add_subscription(
                session, subscription.subscriber_id, subscription, now or utcnow()
            )

    def deactivate_subscription(self, subscriber_id: int, subscription_id: int) -> bool:
        """Make one of a subscriber's subscriptions inactive and drop its pending alerts.

        False when it already was inactive; NotFoundError when it is not theirs.
        """
        with self.session() as session:
            row = _own_subscription(session, subscriber_id, subscription_id)
            changed = row.active
            row.active = False
            _drop_pending(session, subscription_id)
        return changed

    def update_subscription(self, subscription: Subscription) -> Subscription:
        """Replace an active subscription's conditions and schedule (same id and subscriber).

        Pending alerts matched under other conditions are dropped; a new schedule keeps them.
        NotFoundError when it is not the subscriber's, or no longer active.
        """
        if subscription.id is None or subscription.subscriber_id is None:
            raise NotFoundError("subscription", subscription.id)
        with self.session() as session:
            row = _own_subscription(session, subscription.subscriber_id, subscription.id)
            if not row.active:
                raise NotFoundError("subscription", subscription.id)
            before = _conditions(_subscription(row))
            _fill(row, subscription)
            if _conditions(subscription) != before:
                _drop_pending(session, subscription.id)
            session.flush()
            return _subscription(row)

    def subscriptions_of(self, subscriber_id: int) -> list[Subscription]:
        """A subscriber's active subscriptions, oldest first."""
        query = (
            select(SubscriptionRow)
            .where(SubscriptionRow.subscriber_id == subscriber_id, SubscriptionRow.active)
            .order_by(SubscriptionRow.id)
        )
        with self.read_session() as session:
            return [_subscription(row) for row in session.scalars(query)]

    def subscriptions_by_subscriber(self) -> dict[int, list[Subscription]]:
        """Every active subscription, grouped by subscriber id, oldest first (one query)."""
        query = select(SubscriptionRow).where(SubscriptionRow.active).order_by(SubscriptionRow.id)
        grouped: dict[int, list[Subscription]] = {}
        with self.read_session() as session:
            for row in session.scalars(query):
                grouped.setdefault(row.subscriber_id, []).append(_subscription(row))
        return grouped

    def active_subscriptions(self) -> list[Subscription]:
        """Every subscription that may receive alerts: active, of confirmed, subscribed people."""
        query = (
            select(SubscriptionRow)
            .join(SubscriberRow, SubscriberRow.id == SubscriptionRow.subscriber_id)
            .where(
                SubscriptionRow.active,
                SubscriberRow.confirmed_at.is_not(None),
                SubscriberRow.unsubscribed_at.is_(None),
            )
            .order_by(SubscriptionRow.id)
        )
        with self.read_session() as session:
            return [_subscription(row) for row in session.scalars(query)]


def _new_row(
    subscriber: Subscriber, email: str, *, confirmed: bool, now: datetime
) -> SubscriberRow:
    return SubscriberRow(
        email=email,
        name=subscriber.name,
        organisation=subscriber.organisation,
        language=subscriber.language,
        timezone=subscriber.timezone,
        created_at=now,
        confirmed_at=now if confirmed else subscriber.confirmed_at,
    )


def _take_back(
    row: SubscriberRow, subscriber: Subscriber, *, confirmed: bool, now: datetime
) -> None:
    row.name = subscriber.name
    row.organisation = subscriber.organisation
    row.language = subscriber.language
    row.timezone = subscriber.timezone
    row.confirmed_at = now if confirmed else None
    row.unsubscribed_at = None


def _deactivate(session: Session, subscriber_id: int) -> int:
    session.execute(delete(PendingAlertRow).where(PendingAlertRow.subscriber_id == subscriber_id))
    query = (
        update(SubscriptionRow)
        .where(SubscriptionRow.subscriber_id == subscriber_id, SubscriptionRow.active)
        .values(active=False)
    )
    return cast(CursorResult[Any], session.execute(query)).rowcount


def _add_subscription(
    session: Session, subscriber_id: int, subscription: Subscription, now: datetime
) -> Subscription:
    row = SubscriptionRow(subscriber_id=subscriber_id, created_at=now, active=True)
    _fill(row, subscription)
    session.add(row)
    session.flush()
    return _subscription(row)


def _fill(row: SubscriptionRow, subscription: Subscription) -> None:
    row.sectors = list(subscription.sectors)
    row.markets = list(subscription.markets)
    row.kinds = [Kind(kind).value for kind in subscription.kinds]
    row.keywords = list(subscription.keywords)
    row.languages = list(subscription.languages)
    row.home_country = subscription.home_country
    row.frequency = Frequency(subscription.frequency).value
    row.daily_hour = subscription.daily_hour
    row.weekly_day = subscription.weekly_day


def _own_subscription(
    session: Session, subscriber_id: int, subscription_id: int
) -> SubscriptionRow:
    row = session.get(SubscriptionRow, subscription_id)
    if row is None or row.subscriber_id != subscriber_id:
        raise NotFoundError("subscription", subscription_id)
    return row


def _drop_pending(session: Session, subscription_id: int) -> None:
    session.execute(
        delete(PendingAlertRow).where(PendingAlertRow.subscription_id == subscription_id)
    )


def _conditions(subscription: Subscription) -> tuple[object, ...]:
    """What decides whether a document matches (not when it is sent)."""
    return (
        sorted(subscription.sectors),
        sorted(subscription.markets),
        sorted(Kind(kind).value for kind in subscription.kinds),
        sorted(subscription.keywords),
        sorted(subscription.languages),
        subscription.home_country,
    )


def _subscriber(row: SubscriberRow) -> Subscriber:
    return Subscriber(
        id=row.id,
        email=row.email,
        name=row.name,
        organisation=row.organisation,
        language=row.language,
        timezone=row.timezone,
        confirmed_at=row.confirmed_at,
        created_at=row.created_at,
        unsubscribed_at=row.unsubscribed_at,
    )


def _subscription(row: SubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        subscriber_id=row.subscriber_id,
        sectors=list(row.sectors),
        markets=list(row.markets),
        home_country=row.home_country,
        kinds=[Kind(kind) for kind in row.kinds],
        keywords=list(row.keywords),
        languages=list(row.languages),
        frequency=Frequency(row.frequency),
        daily_hour=row.daily_hour,
        weekly_day=row.weekly_day,
    )
