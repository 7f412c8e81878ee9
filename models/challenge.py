"""Challenges: societal problems posted by moderators, and the teams that form around them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin, UTCDateTime


class ChallengeStatus(enum.StrEnum):
    OPEN = "open"
    TEAM_FORMED = "team_formed"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CLOSED = "closed"


class Challenge(TimestampMixin, Base):
    __tablename__ = "challenges"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'team_formed', 'in_progress', 'done', 'closed')", name="status_valid"),
        Index("ix_challenges_guild_id_status", "guild_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(2000))
    # Needed skills separated by "|".
    skills: Mapped[str] = mapped_column(String(1000))
    owner_organisation: Mapped[str | None] = mapped_column(String(100))
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=ChallengeStatus.OPEN.value)
    created_by: Mapped[int] = mapped_column(BigInteger)
    # Where it was posted: a forum post (thread) or a message with its own thread.
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)

    members: Mapped[list[ChallengeMember]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", passive_deletes=True, order_by="ChallengeMember.id"
    )


class ChallengeMember(TimestampMixin, Base):
    """A member on a challenge's team."""

    __tablename__ = "challenge_members"
    __table_args__ = (UniqueConstraint("challenge_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)

    challenge: Mapped[Challenge] = relationship(back_populates="members")


class ChallengeInvite(TimestampMixin, Base):
    """A member the moderator invited (so nobody is invited twice)."""

    __tablename__ = "challenge_invites"
    __table_args__ = (UniqueConstraint("challenge_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
