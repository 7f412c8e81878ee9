"""value flows: thanks, value settings, sharing consent, monthly celebrations

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 11:58:52.069726
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "value_celebrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_celebrations")),
        sa.UniqueConstraint("guild_id", "month", name=op.f("uq_value_celebrations_guild_id_month")),
    )
    op.create_table(
        "value_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("celebrate", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("time_credits", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_value_settings")),
    )
    op.create_table(
        "value_sharing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("share_thanks", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_sharing")),
        sa.UniqueConstraint("guild_id", "user_id", name=op.f("uq_value_sharing_guild_id_user_id")),
    )
    op.create_table(
        "value_thanks_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("helper_sector", sa.String(length=32), nullable=False),
        sa.Column("thanker_sector", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("quarters", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_thanks_daily")),
        sa.UniqueConstraint(
            "guild_id",
            "day",
            "kind",
            "helper_sector",
            "thanker_sector",
            name="uq_value_thanks_daily_key",
        ),
    )
    op.create_table(
        "value_thanks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("thanker_id", sa.BigInteger(), nullable=False),
        sa.Column("helper_id", sa.BigInteger(), nullable=False),
        sa.Column("thanker_sector", sa.String(length=32), nullable=True),
        sa.Column("helper_sector", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("quarters", sa.Integer(), nullable=True),
        sa.Column("introduction_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('knowledge', 'network', 'space', 'materials', 'time', 'other')",
            name=op.f("ck_value_thanks_kind_valid"),
        ),
        sa.CheckConstraint(
            "quarters IS NULL OR quarters BETWEEN 1 AND 400", name=op.f("ck_value_thanks_quarters_valid")
        ),
        sa.CheckConstraint("thanker_id <> helper_id", name=op.f("ck_value_thanks_not_self")),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_value_thanks_challenge_id_challenges"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_value_thanks_event_id_events"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["introduction_id"],
            ["introductions.id"],
            name=op.f("fk_value_thanks_introduction_id_introductions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_thanks")),
    )
    with op.batch_alter_table("value_thanks", schema=None) as batch_op:
        batch_op.create_index("ix_value_thanks_guild_id_created_at", ["guild_id", "created_at"], unique=False)
        batch_op.create_index("ix_value_thanks_guild_id_helper_id", ["guild_id", "helper_id"], unique=False)
        batch_op.create_index(
            "ix_value_thanks_guild_id_thanker_id_created_at", ["guild_id", "thanker_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("value_thanks", schema=None) as batch_op:
        batch_op.drop_index("ix_value_thanks_guild_id_thanker_id_created_at")
        batch_op.drop_index("ix_value_thanks_guild_id_helper_id")
        batch_op.drop_index("ix_value_thanks_guild_id_created_at")

    op.drop_table("value_thanks")
    op.drop_table("value_thanks_daily")
    op.drop_table("value_sharing")
    op.drop_table("value_settings")
    op.drop_table("value_celebrations")
