"""The relational schema: one ORM class per table, portable between SQLite and PostgreSQL.

These classes stay inside `exportwatch.store`; the repository methods turn rows into
`exportwatch.model` types. Every schema change needs an Alembic migration (a test compares the
migrated database with this metadata).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from exportwatch.model import utcnow
from exportwatch.store.types import UTCDateTime

__all__ = [
    "NAMING_CONVENTION",
    "Base",
    "DeliveryRow",
    "DigestRow",
    "DocumentRow",
    "IndexRebuildRow",
    "JobFailureRow",
    "OutboxRow",
    "PendingAlertRow",
    "SourceRow",
    "SourceRunRow",
    "SubscriberRow",
    "SubscriptionRow",
    "metadata",
]

# Stable constraint names, so migrations (and SQLite batch rebuilds) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Short codes (kinds, statuses, languages) get a length; free text and identifiers do not.
CODE = String(16)


class Base(DeclarativeBase):
    """Declarative base with the naming convention and the portable column types."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        dict[str, int]: JSON(),
        list[str]: JSON(),
    }


metadata = Base.metadata


class DocumentRow(Base):
    """A document, the source of truth: `payload` is `Document.to_json()`; columns serve queries."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    kind: Mapped[str] = mapped_column(CODE)
    source_id: Mapped[str] = mapped_column(String)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(CODE)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime | None]
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    deadline: Mapped[date | None]
    effective_on: Mapped[date | None]
    content_hash: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]]
    first_seen_at: Mapped[datetime]
    changed_at: Mapped[datetime]
    duplicate_key: Mapped[str | None] = mapped_column(String(200))  # exportwatch.duplicates

    __table_args__ = (
        Index("ix_documents_source_id_changed_at", "source_id", "changed_at"),
        Index("ix_documents_changed_at", "changed_at"),
        Index("ix_documents_duplicate_key", "duplicate_key"),
    )


class OutboxRow(Base):
    """A document whose index copy is stale; `version` grows on every re-enqueue."""

    __tablename__ = "index_outbox"

    document_id: Mapped[str] = mapped_column(String, primary_key=True)
    action: Mapped[str] = mapped_column(CODE)
    version: Mapped[int] = mapped_column(Integer, default=1)
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_index_outbox_attempts_enqueued_at", "attempts", "enqueued_at"),)


class IndexRebuildRow(Base):
    """One `reindex` run; while one is running the outbox sync waits, so nothing is lost."""

    __tablename__ = "index_rebuilds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(CODE)  # running | done | failed
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    documents: Mapped[int] = mapped_column(Integer, default=0)
    heartbeat_at: Mapped[datetime | None]  # last sign of life of a running rebuild


class SourceRow(Base):
    """Crawl state of one source (its definition lives in YAML or the admin UI)."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    url: Mapped[str | None] = mapped_column(Text)  # effective URL after permanent redirects
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)  # the HTTP header, verbatim
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_success_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    notified_at: Mapped[datetime | None]
    quiet_notified_at: Mapped[datetime | None]
    # What the crawler of the source's type remembers beyond the columns above (validators
    # per URL, body hashes, a feed's ttl): owned by exportwatch.crawlers, opaque here.
    crawl_state: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SourceRunRow(Base):
    """One crawl of one source: timing, outcome, counts and HTTP statuses."""

    __tablename__ = "source_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(CODE)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    items_updated: Mapped[int] = mapped_column(Integer, default=0)
    items_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    items_failed: Mapped[int] = mapped_column(Integer, default=0)
    http_statuses: Mapped[dict[str, int]] = mapped_column(default=dict)
    first_error: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[list[str]] = mapped_column(default=list)

    __table_args__ = (Index("ix_source_runs_source_id_started_at", "source_id", "started_at"),)


class JobFailureRow(Base):
    """A scheduled job that raised: which job, when, and what it said (for the admin pages)."""

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(200))
    failed_at: Mapped[datetime]
    error: Mapped[str] = mapped_column(Text)
    traceback: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_job_failures_failed_at", "failed_at"),)


class SubscriberRow(Base):
    """A person receiving digests; `email` is stored lower-cased, so uniqueness ignores case."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(CODE, default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    hard_bounces: Mapped[int] = mapped_column(Integer, default=0)  # in a row; reset by a send
    bounced_at: Mapped[datetime | None]  # the last hard bounce: a pause before the next try
    disabled_at: Mapped[datetime | None]  # too many hard bounces: nothing is sent any more


class SubscriptionRow(Base):
    """What a subscriber wants to hear about; empty lists mean any."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    sectors: Mapped[list[str]] = mapped_column(default=list)
    markets: Mapped[list[str]] = mapped_column(default=list)
    kinds: Mapped[list[str]] = mapped_column(default=list)
    keywords: Mapped[list[str]] = mapped_column(default=list)
    languages: Mapped[list[str]] = mapped_column(default=list)
    home_country: Mapped[str | None] = mapped_column(String(2))
    frequency: Mapped[str] = mapped_column(CODE)
    daily_hour: Mapped[int] = mapped_column(Integer, default=7)
    weekly_day: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)


class PendingAlertRow(Base):
    """A durable match waiting for its digest: (subscriber, document, subscription) once."""

    __tablename__ = "pending_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    matched_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("subscriber_id", "document_id", "subscription_id"),)


class DigestRow(Base):
    """One email to one subscriber: intent is recorded before sending, with a stable Message-ID."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(String, unique=True)
    status: Mapped[str] = mapped_column(CODE, default="intent")  # intent | sent | failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    frequencies: Mapped[str] = mapped_column(String(40), default="")  # "daily weekly": served
    slot: Mapped[datetime | None]  # the due moment the digest serves (part of its Message-ID)
    retry_at: Mapped[datetime | None]  # after a temporary failure: not sent again before
    document_count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_digests_status_retry_at", "status", "retry_at"),)


class DeliveryRow(Base):
    """A document delivered to a subscriber; the unique pair is the exactly-once guarantee.

    No foreign key to `documents`: the record must outlive a deleted document, so a document
    that comes back is still never sent twice.
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    document_id: Mapped[str] = mapped_column(String)
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("digests.id", ondelete="SET NULL"), index=True
    )
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)  # why it matched, as the pending alert said
    # The digest that reminds of the deadline ("closing soon"), once; sent when it was sent.
    closing_soon_digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("digests.id", ondelete="SET NULL"), index=True
    )
    closing_soon_sent_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("subscriber_id", "document_id"),)
