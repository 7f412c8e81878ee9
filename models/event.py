"""Events (hackathons, ask-the-expert sessions, meetups) and everything that hangs off them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin, UTCDateTime


class EventKind(enum.StrEnum):
    HACKATHON = "hackathon"
    EXPERT_SESSION = "expert_session"
    MEETUP = "meetup"


class EventStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class RsvpStatus(enum.StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"
    WAITLIST = "waitlist"


class Event(TimestampMixin, Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("kind IN ('hackathon', 'expert_session', 'meetup')", name="kind_valid"),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_valid"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_events_guild_id_starts_at", "guild_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(1000), default="")
    # An address or URL; or a voice/stage channel (then location names it for display).
    location: Mapped[str | None] = mapped_column(String(200))
    location_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int | None] = mapped_column(Integer)
    # Expert sessions: topics separated by "|".
    topics: Mapped[str | None] = mapped_column(String(500))
    # Optional slot booking: minutes per slot.
    slot_minutes: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.SCHEDULED.value)
    created_by: Mapped[int] = mapped_column(BigInteger)
    native_event_id: Mapped[int | None] = mapped_column(BigInteger)
    announcement_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    announcement_message_id: Mapped[int | None] = mapped_column(BigInteger)

    rsvps: Mapped[list[EventRsvp]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True, order_by="EventRsvp.id"
    )


class EventRsvp(TimestampMixin, Base):
    """A member's answer; the waitlist is ordered by ``waitlisted_at`` then id."""

    __tablename__ = "event_rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        CheckConstraint("status IN ('going', 'maybe', 'not_going', 'waitlist')", name="status_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship(back_populates="rsvps")


class EventNotice(TimestampMixin, Base):
    """Scheduled messages of an event (announcement, reminders, questions to experts).

    One row per event and kind, inserted before the message is sent: it is what makes
    each reminder go out exactly once, also after a restart.
    """

    __tablename__ = "event_notices"
    __table_args__ = (UniqueConstraint("event_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # "announce", "remind_7d", "remind_1d", "remind_1h", "questions", ...
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EventExpert(TimestampMixin, Base):
    """An expert taking part in an expert session (gets the questions beforehand)."""

    __tablename__ = "event_experts"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)


class EventQuestion(TimestampMixin, Base):
    __tablename__ = "event_questions"
    __table_args__ = (Index("ix_event_questions_event_id_user_id", "event_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(String(500))


class EventSlot(TimestampMixin, Base):
    """A booked slot of an expert session: one member per slot, one slot per member."""

    __tablename__ = "event_slots"
    __table_args__ = (UniqueConstraint("event_id", "starts_at"), UniqueConstraint("event_id", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Expert(TimestampMixin, Base):
    """A member who offers expertise (/expert register)."""

    __tablename__ = "experts"
    __table_args__ = (UniqueConstraint("guild_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    # Topics separated by "|".
    topics: Mapped[str] = mapped_column(String(1000))


class AgendaPost(TimestampMixin, Base):
    """The weekly agenda of a server, once per ISO week."""

    __tablename__ = "agenda_posts"
    __table_args__ = (UniqueConstraint("guild_id", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    week: Mapped[str] = mapped_column(String(8))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
