"""matching changes: members changed since a time, per server

Revision ID: 0007
Revises: 0010
Create Date: 2026-12-03 12:20:00.000000

The per-server matching cache asks for the members stamped (``updated_at``) after its last look;
this index answers that without reading every member of the server.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index("ix_members_guild_id_updated_at", ["guild_id", "updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_guild_id_updated_at")
