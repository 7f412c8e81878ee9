"""Introductions between two members, their answers, and the weekly rounds that propose them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin, UTCDateTime
from models.member import Member


class IntroStatus(enum.StrEnum):
    PENDING = "pending"
    CONNECTED = "connected"
    DECLINED = "declined"
    EXPIRED = "expired"


class Answer(enum.StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Met(enum.StrEnum):
    YES = "yes"
    NOT_YET = "not_yet"
    NO = "no"


class IntroRound(TimestampMixin, Base):
    """One weekly round of one server. The unique week makes a round happen at most once."""

    __tablename__ = "intro_rounds"
    __table_args__ = (UniqueConstraint("guild_id", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    # ISO week in the server's time zone, e.g. "2026-W48".
    week: Mapped[str] = mapped_column(String(8))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set once every proposal of the round was delivered and the summary posted.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary_message_id: Mapped[int | None] = mapped_column(BigInteger)

    introductions: Mapped[list[Introduction]] = relationship(back_populates="round")


class Introduction(TimestampMixin, Base):
    __tablename__ = "introductions"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'connected', 'declined', 'expired')", name="status_valid"),
        Index("ix_introductions_guild_id_status", "guild_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("intro_rounds.id", ondelete="SET NULL"))
    # Who asked (for /match) or None (weekly round).
    requested_by: Mapped[int | None] = mapped_column(BigInteger)
    score: Mapped[float] = mapped_column(Float)
    # [{"need_of": user id, "need": str, "offer_of": user id, "offer": str, "score": float}]
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    chance: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=IntroStatus.PENDING.value)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    followup_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    round: Mapped[IntroRound | None] = relationship(back_populates="introductions")
    parties: Mapped[list[IntroParty]] = relationship(
        back_populates="introduction", cascade="all, delete-orphan", passive_deletes=True, order_by="IntroParty.id"
    )


class IntroParty(TimestampMixin, Base):
    """One of the two members of an introduction: where they were asked and what they said."""

    __tablename__ = "intro_parties"
    __table_args__ = (
        UniqueConstraint("introduction_id", "member_id"),
        CheckConstraint("answer IS NULL OR answer IN ('accepted', 'declined')", name="answer_valid"),
        CheckConstraint("met IS NULL OR met IN ('yes', 'not_yet', 'no')", name="met_valid"),
        Index("ix_intro_parties_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    introduction_id: Mapped[int] = mapped_column(ForeignKey("introductions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    # Delivery is recorded so a restart never asks twice: set when the proposal was sent.
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    prompt_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    prompt_message_id: Mapped[int | None] = mapped_column(BigInteger)
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    met: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(500))

    introduction: Mapped[Introduction] = relationship(back_populates="parties")
    member: Mapped[Member] = relationship()
