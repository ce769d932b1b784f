"""Digest runs: what a digest serves, when it is retried, bounces, and closing-soon reminders.

Digests remember the frequencies and due moment they serve and when a failed send is retried;
subscribers count hard bounces in a row and are disabled at the limit; deliveries keep why the
document matched and which digest reminded of its deadline.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def utc() -> sa.DateTime:
    """The column type of `exportwatch.store.types.UTCDateTime` (stored as timestamptz)."""
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("digests") as batch:
        batch.add_column(
            sa.Column("frequencies", sa.String(length=40), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("slot", utc(), nullable=True))
        batch.add_column(sa.Column("retry_at", utc(), nullable=True))
        batch.add_column(
            sa.Column("document_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.create_index("ix_digests_status_retry_at", ["status", "retry_at"], unique=False)
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(
            sa.Column("hard_bounces", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("bounced_at", utc(), nullable=True))
        batch.add_column(sa.Column("disabled_at", utc(), nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("closing_soon_digest_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("closing_soon_sent_at", utc(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_deliveries_closing_soon_digest_id_digests"),
            "digests",
            ["closing_soon_digest_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(
            "ix_deliveries_closing_soon_digest_id", ["closing_soon_digest_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_closing_soon_digest_id")
        batch.drop_constraint(
            op.f("fk_deliveries_closing_soon_digest_id_digests"), type_="foreignkey"
        )
        batch.drop_column("closing_soon_sent_at")
        batch.drop_column("closing_soon_digest_id")
        batch.drop_column("reason")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("disabled_at")
        batch.drop_column("bounced_at")
        batch.drop_column("hard_bounces")
    with op.batch_alter_table("digests") as batch:
        batch.drop_index("ix_digests_status_retry_at")
        batch.drop_column("document_count")
        batch.drop_column("retry_at")
        batch.drop_column("slot")
        batch.drop_column("frequencies")
