"""privacy: consents, departures of members and servers, erasures

Revision ID: 0005
Revises: 0009
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("scope_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('introductions', 'event_notices', 'expert_invitations')",
            name=op.f("ck_consents_purpose_valid"),
        ),
        sa.CheckConstraint("via IN ('command', 'button', 'import')", name=op.f("ck_consents_via_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint(
            "guild_id", "user_id", "purpose", "scope_id", name=op.f("uq_consents_guild_id_user_id_purpose_scope_id")
        ),
    )
    op.create_table(
        "member_departures",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_member_departures")),
    )
    with op.batch_alter_table("member_departures", schema=None) as batch_op:
        batch_op.create_index("ix_member_departures_left_at", ["left_at"], unique=False)
    op.create_table(
        "guild_departures",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_departures")),
    )
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("via IN ('member', 'operator', 'retention')", name=op.f("ck_erasures_via_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visibility", sa.String(length=8), server_default="members", nullable=False))
        batch_op.create_check_constraint("visibility_valid", "visibility IN ('members', 'private')")
    # Consents given before they were recorded: joined introductions (by command or the operator's import;
    # which one is not known), registered experts, and answers Going/Maybe/waitlist (each is consent to
    # that event's notices).
    op.execute(
        "INSERT INTO consents (guild_id, user_id, purpose, scope_id, via, given_at) "
        "SELECT guild_id, user_id, 'introductions', 0, 'command', updated_at FROM members WHERE intro_joined"
    )
    op.execute(
        "INSERT INTO consents (guild_id, user_id, purpose, scope_id, via, given_at) "
        "SELECT guild_id, user_id, 'expert_invitations', 0, 'command', created_at FROM experts"
    )
    op.execute(
        "INSERT INTO consents (guild_id, user_id, purpose, scope_id, via, given_at) "
        "SELECT e.guild_id, r.user_id, 'event_notices', r.event_id, 'button', r.updated_at "
        "FROM event_rsvps r JOIN events e ON e.id = r.event_id "
        "WHERE r.status IN ('going', 'maybe', 'waitlist')"
    )


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_members_visibility_valid"), type_="check")
        batch_op.drop_column("visibility")
    op.drop_table("erasures")
    op.drop_table("guild_departures")
    with op.batch_alter_table("member_departures", schema=None) as batch_op:
        batch_op.drop_index("ix_member_departures_left_at")
    op.drop_table("member_departures")
    op.drop_table("consents")
