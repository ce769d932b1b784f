"""Initial schema: documents and their index outbox, sources and runs, subscribers and alerts.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CODE = sa.String(length=16)


def utc() -> sa.DateTime:
    """The column type of `exportwatch.store.types.UTCDateTime` (stored as timestamptz)."""
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("kind", CODE, nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("language", CODE, nullable=True),
        sa.Column("published_at", utc(), nullable=True),
        sa.Column("updated_at", utc(), nullable=True),
        sa.Column("fetched_at", utc(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("content_hash", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", utc(), nullable=False),
        sa.Column("changed_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    op.create_index("ix_documents_changed_at", "documents", ["changed_at"])
    op.create_index("ix_documents_source_id_changed_at", "documents", ["source_id", "changed_at"])

    op.create_table(
        "index_outbox",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("action", CODE, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", utc(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_index_outbox")),
    )
    op.create_index(
        "ix_index_outbox_attempts_enqueued_at", "index_outbox", ["attempts", "enqueued_at"]
    )

    op.create_table(
        "sources",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_success_at", utc(), nullable=True),
        sa.Column("last_run_at", utc(), nullable=True),
        sa.Column("next_run_at", utc(), nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("notified_at", utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
    )

    op.create_table(
        "source_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("started_at", utc(), nullable=False),
        sa.Column("finished_at", utc(), nullable=True),
        sa.Column("status", CODE, nullable=False),
        sa.Column("items_seen", sa.Integer(), nullable=False),
        sa.Column("items_new", sa.Integer(), nullable=False),
        sa.Column("items_updated", sa.Integer(), nullable=False),
        sa.Column("items_unchanged", sa.Integer(), nullable=False),
        sa.Column("items_failed", sa.Integer(), nullable=False),
        sa.Column("http_statuses", sa.JSON(), nullable=False),
        sa.Column("first_error", sa.Text(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_runs")),
    )
    op.create_index(
        "ix_source_runs_source_id_started_at", "source_runs", ["source_id", "started_at"]
    )

    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("language", CODE, nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("confirmed_at", utc(), nullable=True),
        sa.Column("unsubscribed_at", utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscribers")),
        sa.UniqueConstraint("email", name=op.f("uq_subscribers_email")),
    )

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("markets", sa.JSON(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("home_country", sa.String(length=2), nullable=True),
        sa.Column("frequency", CODE, nullable=False),
        sa.Column("daily_hour", sa.Integer(), nullable=False),
        sa.Column("weekly_day", sa.Integer(), nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_subscriptions_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index(op.f("ix_subscriptions_subscriber_id"), "subscriptions", ["subscriber_id"])

    op.create_table(
        "pending_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("matched_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_pending_alerts_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_pending_alerts_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_pending_alerts_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_alerts")),
        sa.UniqueConstraint(
            "subscriber_id",
            "document_id",
            "subscription_id",
            name=op.f("uq_pending_alerts_subscriber_id_document_id_subscription_id"),
        ),
    )
    op.create_index(op.f("ix_pending_alerts_document_id"), "pending_alerts", ["document_id"])
    op.create_index(
        op.f("ix_pending_alerts_subscription_id"), "pending_alerts", ["subscription_id"]
    )

    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("status", CODE, nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("sent_at", utc(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_digests_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("message_id", name=op.f("uq_digests_message_id")),
    )
    op.create_index(op.f("ix_digests_subscriber_id"), "digests", ["subscriber_id"])

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.Column("delivered_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["digests.id"],
            name=op.f("fk_deliveries_digest_id_digests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_deliveries_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "subscriber_id", "document_id", name=op.f("uq_deliveries_subscriber_id_document_id")
        ),
    )
    op.create_index(op.f("ix_deliveries_digest_id"), "deliveries", ["digest_id"])


def downgrade() -> None:
    for table in (
        "deliveries",
        "digests",
        "pending_alerts",
        "subscriptions",
        "subscribers",
        "source_runs",
        "sources",
        "index_outbox",
        "documents",
    ):
        op.drop_table(table)  # drops the table's indexes with it
