"""introductions, rounds, server settings, synonyms

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:28:16.532213
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("intro_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("intro_weekday", sa.Integer(), nullable=False),
        sa.Column("intro_hour", sa.Integer(), nullable=False),
        sa.Column("intro_minute", sa.Integer(), nullable=False),
        sa.Column("intro_per_member", sa.Integer(), nullable=False),
        sa.Column("intro_history_weeks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "intro_history_weeks BETWEEN 1 AND 104", name=op.f("ck_guild_settings_intro_history_weeks_valid")
        ),
        sa.CheckConstraint(
            "intro_hour BETWEEN 0 AND 23 AND intro_minute BETWEEN 0 AND 59",
            name=op.f("ck_guild_settings_intro_time_valid"),
        ),
        sa.CheckConstraint("intro_per_member BETWEEN 1 AND 3", name=op.f("ck_guild_settings_intro_per_member_valid")),
        sa.CheckConstraint("intro_weekday BETWEEN 0 AND 6", name=op.f("ck_guild_settings_intro_weekday_valid")),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_settings")),
    )
    op.create_table(
        "intro_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intro_rounds")),
        sa.UniqueConstraint("guild_id", "week", name=op.f("uq_intro_rounds_guild_id_week")),
    )
    op.create_table(
        "synonym_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=600), nullable=False),
        sa.Column("terms", sa.String(length=600), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_synonym_groups")),
        sa.UniqueConstraint("guild_id", "key", name=op.f("uq_synonym_groups_guild_id_key")),
    )
    with op.batch_alter_table("synonym_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_synonym_groups_guild_id"), ["guild_id"], unique=False)

    op.create_table(
        "introductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.BigInteger(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("chance", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("followup_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'connected', 'declined', 'expired')", name=op.f("ck_introductions_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["intro_rounds.id"], name=op.f("fk_introductions_round_id_intro_rounds"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_introductions")),
    )
    with op.batch_alter_table("introductions", schema=None) as batch_op:
        batch_op.create_index("ix_introductions_guild_id_status", ["guild_id", "status"], unique=False)

    op.create_table(
        "intro_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("introduction_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("prompt_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("prompt_message_id", sa.BigInteger(), nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("met", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "answer IS NULL OR answer IN ('accepted', 'declined')", name=op.f("ck_intro_parties_answer_valid")
        ),
        sa.CheckConstraint("met IS NULL OR met IN ('yes', 'not_yet', 'no')", name=op.f("ck_intro_parties_met_valid")),
        sa.ForeignKeyConstraint(
            ["introduction_id"],
            ["introductions.id"],
            name=op.f("fk_intro_parties_introduction_id_introductions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_intro_parties_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intro_parties")),
        sa.UniqueConstraint("introduction_id", "member_id", name=op.f("uq_intro_parties_introduction_id_member_id")),
    )
    with op.batch_alter_table("intro_parties", schema=None) as batch_op:
        batch_op.create_index("ix_intro_parties_member_id", ["member_id"], unique=False)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intro_joined", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("intro_chance", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("intro_paused_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("intro_paused_until")
        batch_op.drop_column("intro_chance")
        batch_op.drop_column("intro_joined")

    with op.batch_alter_table("intro_parties", schema=None) as batch_op:
        batch_op.drop_index("ix_intro_parties_member_id")

    op.drop_table("intro_parties")
    with op.batch_alter_table("introductions", schema=None) as batch_op:
        batch_op.drop_index("ix_introductions_guild_id_status")

    op.drop_table("introductions")
    with op.batch_alter_table("synonym_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_synonym_groups_guild_id"))

    op.drop_table("synonym_groups")
    op.drop_table("intro_rounds")
    op.drop_table("guild_settings")
