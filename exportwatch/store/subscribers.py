"""Subscribers and their subscriptions; emails are stored lower-case, unique in any case."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select

from exportwatch.model import Frequency, Kind, Subscriber, Subscription, utcnow
from exportwatch.store.database import StoreBase
from exportwatch.store.errors import DuplicateSubscriberError, NotFoundError
from exportwatch.store.tables import SubscriberRow, SubscriptionRow

__all__ = ["SubscribersMixin", "normalize_email"]


def normalize_email(email: str) -> str:
    """The stored form of an address: trimmed and lower-cased."""
    return email.strip().lower()


class SubscribersMixin(StoreBase):
    """Add, list and remove subscribers; add and read subscriptions."""

    def add_subscriber(
        self, subscriber: Subscriber, *, confirmed: bool = False, now: datetime | None = None
    ) -> Subscriber:
        """Store a new subscriber; `confirmed` skips double opt-in (admin and CLI use)."""
        now = now or utcnow()
        email = normalize_email(subscriber.email)
        with self.session() as session:
            if session.scalar(select(SubscriberRow.id).where(SubscriberRow.email == email)):
                raise DuplicateSubscriberError(email)
            row = SubscriberRow(
                email=email,
                name=subscriber.name,
                organisation=subscriber.organisation,
                language=subscriber.language,
                timezone=subscriber.timezone,
                created_at=now,
                confirmed_at=now if confirmed else subscriber.confirmed_at,
            )
            session.add(row)
            session.flush()
            return _subscriber(row)

    def get_subscriber(self, email: str) -> Subscriber | None:
        """The subscriber with this email (in any case), or None."""
        query = select(SubscriberRow).where(SubscriberRow.email == normalize_email(email))
        with self.read_session() as session:
            row = session.scalar(query)
            return None if row is None else _subscriber(row)

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

    def add_subscription(
        self, subscription: Subscription, *, now: datetime | None = None
    ) -> Subscription:
        """Store a subscription of an existing subscriber; returns it with its id."""
        with self.session() as session:
            if subscription.subscriber_id is None or not session.get(
                SubscriberRow, subscription.subscriber_id
            ):
                raise NotFoundError("subscriber", subscription.subscriber_id)
            row = SubscriptionRow(
                subscriber_id=subscription.subscriber_id,
                sectors=list(subscription.sectors),
                markets=list(subscription.markets),
                kinds=[Kind(kind).value for kind in subscription.kinds],
                keywords=list(subscription.keywords),
                languages=list(subscription.languages),
                home_country=subscription.home_country,
                frequency=Frequency(subscription.frequency).value,
                daily_hour=subscription.daily_hour,
                weekly_day=subscription.weekly_day,
                created_at=now or utcnow(),
                active=True,
            )
            session.add(row)
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


def _subscriber(row: SubscriberRow) -> Subscriber:
    return Subscriber(
        id=row.id,
        email=row.email,
        name=row.name,
        organisation=row.organisation,
        language=row.language,
        timezone=row.timezone,
        confirmed_at=row.confirmed_at,
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
