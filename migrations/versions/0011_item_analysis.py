"""member items: the text's analysis, stored when written so that a round need not redo it

Revision ID: 0011
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member_items") as batch:
        batch.add_column(sa.Column("analysis", sa.Text(), nullable=True))
    op.create_index(
        "ix_member_items_unanalysed",
        "member_items",
        ["guild_id"],
        sqlite_where=sa.text("analysis IS NULL"),
        postgresql_where=sa.text("analysis IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_member_items_unanalysed", table_name="member_items")
    with op.batch_alter_table("member_items") as batch:
        batch.drop_column("analysis")
