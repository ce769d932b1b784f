"""Sources remember type-specific crawl state and when their quiet spell was reported.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("quiet_notified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("crawl_state", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("crawl_state")
        batch.drop_column("quiet_notified_at")
