"""members, offers and needs

Revision ID: 0001
Revises:
Create Date: 2026-11-23 18:23:38.395935
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=True),
        sa.Column("organisation", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("bio", sa.String(length=500), nullable=True),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("locale IN ('nl', 'en')", name=op.f("ck_members_locale_valid")),
        sa.CheckConstraint(
            "sector IS NULL OR sector IN ('government', 'company', 'social_enterprise', "
            "'knowledge_institution', 'civil_society', 'citizen')",
            name=op.f("ck_members_sector_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("guild_id", "user_id", name=op.f("uq_members_guild_id_user_id")),
    )
    op.create_table(
        "member_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=100), nullable=False),
        sa.Column("folded", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('offer', 'need')", name=op.f("ck_member_items_kind_valid")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_items_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_items")),
        sa.UniqueConstraint("member_id", "kind", "folded", name=op.f("uq_member_items_member_id_kind_folded")),
    )
    with op.batch_alter_table("member_items", schema=None) as batch_op:
        batch_op.create_index("ix_member_items_guild_id_kind", ["guild_id", "kind"], unique=False)
        batch_op.create_index("ix_member_items_guild_id_folded", ["guild_id", "folded"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("member_items", schema=None) as batch_op:
        batch_op.drop_index("ix_member_items_guild_id_folded")
        batch_op.drop_index("ix_member_items_guild_id_kind")

    op.drop_table("member_items")
    op.drop_table("members")
