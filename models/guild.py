"""Per-server settings that moderators change with commands."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin


class GuildSettings(TimestampMixin, Base):
    __tablename__ = "guild_settings"
    __table_args__ = (
        CheckConstraint("intro_weekday BETWEEN 0 AND 6", name="intro_weekday_valid"),
        CheckConstraint("intro_hour BETWEEN 0 AND 23 AND intro_minute BETWEEN 0 AND 59", name="intro_time_valid"),
        CheckConstraint("intro_per_member BETWEEN 1 AND 3", name="intro_per_member_valid"),
        CheckConstraint("intro_history_weeks BETWEEN 1 AND 104", name="intro_history_weeks_valid"),
    )

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # IANA zone; None means the TIMEZONE setting.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Language of public posts ("nl" or "en"); None means the DEFAULT_LOCALE setting.
    language: Mapped[str | None] = mapped_column(String(2))
    intro_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    # Weekly round: Monday 09:00 in the server's time zone unless a moderator says otherwise.
    intro_weekday: Mapped[int] = mapped_column(Integer, default=0)
    intro_hour: Mapped[int] = mapped_column(Integer, default=9)
    intro_minute: Mapped[int] = mapped_column(Integer, default=0)
    intro_per_member: Mapped[int] = mapped_column(Integer, default=1)
    # Pairs introduced within this many weeks are not proposed again.
    intro_history_weeks: Mapped[int] = mapped_column(Integer, default=12)
    events_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    # Reminder lead times before an event, e.g. "7d,1d,1h"; empty means no reminders.
    event_reminders: Mapped[str] = mapped_column(String(64), default="7d,1d,1h", server_default="7d,1d,1h")
    challenges_channel_id: Mapped[int | None] = mapped_column(BigInteger)
