"""Synonym groups a server adds to the shipped vocabulary (/synonym add)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin


class SynonymGroup(TimestampMixin, Base):
    __tablename__ = "synonym_groups"
    __table_args__ = (UniqueConstraint("guild_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # The folded, sorted terms: the same group twice is one group.
    key: Mapped[str] = mapped_column(String(700))
    # Terms as the moderator wrote them, separated by "|".
    terms: Mapped[str] = mapped_column(String(700))
    created_by: Mapped[int] = mapped_column(BigInteger)
