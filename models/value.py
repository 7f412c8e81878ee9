"""Value flows: thanks between members (with optional time credits), the server's value settings,
members' consent to have their thanks shown, and the monthly celebration posts.

Outcomes of other features (introductions that met, finished challenges, event attendance) are not
copied here: the value service reads them from their own tables.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin, UTCDateTime, utcnow


class ThanksKind(enum.StrEnum):
    KNOWLEDGE = "knowledge"
    NETWORK = "network"
    SPACE = "space"
    MATERIALS = "materials"
    TIME = "time"
    OTHER = "other"


class Thanks(Base):
    """One member thanking another for what they received: the helper gave, the thanker received.

    Hours are stored in quarters (1 = ¼ hour) so sums are exact on every backend. The sectors of
    both members are copied at the moment of thanking, so the impact overview needs no join over
    a million rows and shows the sectors as they were.
    """

    __tablename__ = "value_thanks"
    __table_args__ = (
        CheckConstraint("kind IN ('knowledge', 'network', 'space', 'materials', 'time', 'other')", name="kind_valid"),
        CheckConstraint("quarters IS NULL OR quarters BETWEEN 1 AND 400", name="quarters_valid"),
        CheckConstraint("thanker_id <> helper_id", name="not_self"),
        Index("ix_value_thanks_guild_id_created_at", "guild_id", "created_at"),
        Index("ix_value_thanks_guild_id_thanker_id_created_at", "guild_id", "thanker_id", "created_at"),
        Index("ix_value_thanks_guild_id_helper_id", "guild_id", "helper_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    # Who says thank you (received something) and who is thanked (gave something).
    thanker_id: Mapped[int] = mapped_column(BigInteger)
    helper_id: Mapped[int] = mapped_column(BigInteger)
    thanker_sector: Mapped[str | None] = mapped_column(String(32))
    helper_sector: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(200))
    # Time credits in quarter hours; None when no hours were given or time credits are off.
    quarters: Mapped[int | None] = mapped_column(Integer)
    # What the two share, found when the thanks was recorded (at most one of them).
    introduction_id: Mapped[int | None] = mapped_column(ForeignKey("introductions.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id", ondelete="SET NULL"))
    # Set when the helper was told (by DM or in their profile); None means: tell at the next profile view.
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Where it was made known (only when the helper allows sharing).
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ThanksDaily(Base):
    """Thanks counted per UTC day, kind and the two sectors: what the impact overview and the monthly
    post read, so they take the same time at a thousand thanks as at a million.

    Kept in step by the one function that records a thanks (an upsert in the same unit of work).
    It names nobody, so it stays when a member's thanks are erased: the server keeps the counts.
    """

    __tablename__ = "value_thanks_daily"
    # Named by hand: the conventional name is longer than PostgreSQL's 63 characters.
    __table_args__ = (
        UniqueConstraint(
            "guild_id", "day", "kind", "helper_sector", "thanker_sector", name="uq_value_thanks_daily_key"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    # "YYYY-MM-DD" in UTC.
    day: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(16))
    # A sector, or "unknown" (never NULL, so the unique key holds).
    helper_sector: Mapped[str] = mapped_column(String(32))
    thanker_sector: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)
    quarters: Mapped[int] = mapped_column(Integer)


class ValueSettings(TimestampMixin, Base):
    """Per server: where value is made known, whether it is celebrated monthly, whether hours count."""

    __tablename__ = "value_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    celebrate: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    time_credits: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class ValueSharing(TimestampMixin, Base):
    """A member's consent to have thanks they receive shown in the value channel (default: no row, no)."""

    __tablename__ = "value_sharing"
    __table_args__ = (UniqueConstraint("guild_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    share_thanks: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class ValueCelebration(TimestampMixin, Base):
    """The monthly celebration post of a server: the unique month is claimed before the post is sent."""

    __tablename__ = "value_celebrations"
    __table_args__ = (UniqueConstraint("guild_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    # The month of the post in the server's zone, e.g. "2026-12" (it celebrates the month before).
    month: Mapped[str] = mapped_column(String(7))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
