"""synonym groups: room for ten terms of the longest allowed length with their separators

Revision ID: 0010
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 10 terms of 60 characters and 9 separators need 609; PostgreSQL enforces the length, SQLite does not.
COLUMNS = ("key", "terms")


def upgrade() -> None:
    with op.batch_alter_table("synonym_groups") as batch:
        for column in COLUMNS:
            batch.alter_column(column, existing_type=sa.String(length=600), type_=sa.String(length=700))


def downgrade() -> None:
    with op.batch_alter_table("synonym_groups") as batch:
        for column in COLUMNS:
            batch.alter_column(column, existing_type=sa.String(length=700), type_=sa.String(length=600))
