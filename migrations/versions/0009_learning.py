"""links between need and offer wordings learned from a server's introductions

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
# The lead re-chains at merge (the brief said "0003"; "0008" is main's head, so the branch migrates).
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learned_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("need_key", sa.String(length=32), nullable=False),
        sa.Column("offer_key", sa.String(length=32), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_links")),
        sa.UniqueConstraint(
            "guild_id", "need_key", "offer_key", name=op.f("uq_learned_links_guild_id_need_key_offer_key")
        ),
    )
    with op.batch_alter_table("learned_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learned_links_guild_id"), ["guild_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("learned_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learned_links_guild_id"))
    op.drop_table("learned_links")
