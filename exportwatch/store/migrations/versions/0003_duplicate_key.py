"""Documents get a duplicate key, so copies of one item from two sources can be found.

Rows stored before this revision have no key until they are saved again (the next crawl of
their source); cross-source merging simply starts with the items crawled from then on.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("duplicate_key", sa.String(length=200), nullable=True))
        batch.create_index("ix_documents_duplicate_key", ["duplicate_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_duplicate_key")
        batch.drop_column("duplicate_key")
