"""Paged, filtered views for the admin pages: run history, subscribers, undelivered digests.

The service itself never needs these lists; they exist so an operator can look at a large
installation one page at a time instead of loading every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from exportwatch.model import Subscriber, Subscription
from exportwatch.store.database import StoreBase
from exportwatch.store.digests import DigestRecord
from exportwatch.store.digests import _record as _digest_record
from exportwatch.store.sources import RunRecord
from exportwatch.store.sources import _record as _run_record
from exportwatch.store.subscribers import _subscriber, _subscription, normalize_email
from exportwatch.store.tables import DigestRow, SourceRunRow, SubscriberRow, SubscriptionRow

__all__ = ["OverviewMixin", "Paged", "SubscriberCounts"]


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Paged(Generic[T]):
    """One page of rows and how many rows there are in all."""

    rows: list[T]
    total: int


@dataclass(frozen=True, slots=True)
class SubscriberCounts:
    """Subscribers by state: waiting for confirmation, confirmed, gone."""

    pending: int
    confirmed: int
    unsubscribed: int


class OverviewMixin(StoreBase):
    """Read-only lists for the admin pages."""

    def page_runs(
        self, source_id: str | None = None, *, offset: int = 0, limit: int = 50
    ) -> Paged[RunRecord]:
        """Runs of every source (or one), newest first."""
        where = [SourceRunRow.source_id == source_id] if source_id else []
        query = (
            select(SourceRunRow)
            .where(*where)
            .order_by(SourceRunRow.started_at.desc(), SourceRunRow.id.desc())
            .offset(max(offset, 0))
            .limit(max(limit, 0))
        )
        with self.read_session() as session:
            total = session.scalar(select(func.count()).select_from(SourceRunRow).where(*where))
            return Paged([_run_record(run) for run in session.scalars(query)], total or 0)

    def count_subscribers(self) -> SubscriberCounts:
        """How many subscribers are pending, confirmed and unsubscribed."""
        gone = SubscriberRow.unsubscribed_at.is_not(None)
        confirmed = SubscriberRow.confirmed_at.is_not(None) & ~gone
        pending = SubscriberRow.confirmed_at.is_(None) & ~gone
        with self.read_session() as session:
            return SubscriberCounts(
                pending=_count(session, pending),
                confirmed=_count(session, confirmed),
                unsubscribed=_count(session, gone),
            )

    def page_subscribers(
        self, email_contains: str = "", *, offset: int = 0, limit: int = 50
    ) -> Paged[Subscriber]:
        """Subscribers whose address contains the text (any case), by email."""
        where = []
        text = normalize_email(email_contains)
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(SubscriberRow.email.like(pattern, escape="\\"))
        query = (
            select(SubscriberRow)
            .where(*where)
            .order_by(SubscriberRow.email)
            .offset(max(offset, 0))
            .limit(max(limit, 0))
        )
        with self.read_session() as session:
            total = session.scalar(select(func.count()).select_from(SubscriberRow).where(*where))
            return Paged([_subscriber(row) for row in session.scalars(query)], total or 0)

    def subscriptions_of_many(self, subscriber_ids: Sequence[int]) -> dict[int, list[Subscription]]:
        """Active subscriptions of the given subscribers, grouped by subscriber id."""
        if not subscriber_ids:
            return {}
        query = (
            select(SubscriptionRow)
            .where(SubscriptionRow.subscriber_id.in_(list(subscriber_ids)), SubscriptionRow.active)
            .order_by(SubscriptionRow.id)
        )
        grouped: dict[int, list[Subscription]] = {}
        with self.read_session() as session:
            for row in session.scalars(query):
                grouped.setdefault(row.subscriber_id, []).append(_subscription(row))
        return grouped

    def undelivered_digests(self, limit: int = 50) -> list[DigestRecord]:
        """Digests not sent (waiting or retried: `intent`; given up: `failed`), newest first."""
        query = (
            select(DigestRow)
            .where(DigestRow.status.in_(("intent", "failed")))
            .order_by(DigestRow.id.desc())
            .limit(max(limit, 0))
        )
        with self.read_session() as session:
            return [_digest_record(session, row) for row in session.scalars(query)]


def _count(session: Session, condition: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(SubscriberRow).where(condition)
    return int(session.scalar(query) or 0)
