"""Privacy: consents per purpose, who left (members and servers), and a trace of each erasure.

Columns that hold a Discord user id say so with ``info={"member": True}``; the privacy
service and its schema-walk test use that (and a name rule) to find every place that names a member.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Purpose(enum.StrEnum):
    # Proposals by DM (/intro join).
    INTRODUCTIONS = "introductions"
    # Reminders and changes of one event (scope: the event id), given by clicking Going or Maybe.
    EVENT_NOTICES = "event_notices"
    # Being invited to expert sessions and receiving the questions (/expert register).
    EXPERT_INVITATIONS = "expert_invitations"


class ConsentVia(enum.StrEnum):
    COMMAND = "command"
    BUTTON = "button"
    IMPORT = "import"


class Consent(Base):
    """A member's consent to one purpose, with when and how it was given. Withdrawn means deleted."""

    __tablename__ = "consents"
    __table_args__ = (
        UniqueConstraint("guild_id", "user_id", "purpose", "scope_id"),
        CheckConstraint("purpose IN ('introductions', 'event_notices', 'expert_invitations')", name="purpose_valid"),
        CheckConstraint("via IN ('command', 'button', 'import')", name="via_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger, info={"member": True})
    purpose: Mapped[str] = mapped_column(String(32))
    # What the consent is about within the purpose, e.g. an event id; 0 for the whole purpose.
    scope_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    via: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MemberDeparture(Base):
    """A member who left a server: out of everything at once, erased after the retention period."""

    __tablename__ = "member_departures"
    __table_args__ = (Index("ix_member_departures_left_at", "left_at"),)

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False, info={"member": True})
    left_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GuildDeparture(Base):
    """A server the bot was removed from: its data is erased after the retention period."""

    __tablename__ = "guild_departures"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    left_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ErasureVia(enum.StrEnum):
    MEMBER = "member"
    OPERATOR = "operator"
    RETENTION = "retention"


class Erasure(Base):
    """That a member's data was erased, and how. Holds no id: only a salted one-way hash of it."""

    __tablename__ = "erasures"
    __table_args__ = (CheckConstraint("via IN ('member', 'operator', 'retention')", name="via_valid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # sha256(salt + "guild_id:user_id"): answers "was this member erased?" for someone who knows the ids.
    subject_hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    via: Mapped[str] = mapped_column(String(16))
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
