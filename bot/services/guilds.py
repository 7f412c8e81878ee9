"""Per-server settings."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import UserError
from bot.i18n import LOCALES
from models import GuildSettings


async def get_settings(session: AsyncSession, guild_id: int) -> GuildSettings:
    """The server's settings; defaults (not stored) for a server that changed nothing yet."""
    found = await session.get(GuildSettings, guild_id)
    if found is not None:
        return found
    return GuildSettings(
        guild_id=guild_id,
        intro_weekday=0,
        intro_hour=9,
        intro_minute=0,
        intro_per_member=1,
        intro_history_weeks=12,
        event_reminders="7d,1d,1h",
    )


async def _stored(session: AsyncSession, guild_id: int) -> GuildSettings:
    settings = await get_settings(session, guild_id)
    if settings not in session:
        session.add(settings)
    return settings


def parse_time(text: str) -> time:
    """``9:00``, ``09:00`` or ``9.30`` → a time; anything else is a UserError."""
    cleaned = text.strip().replace(".", ":")
    try:
        hours, minutes = cleaned.split(":")
        parsed = time(int(hours), int(minutes))
    except ValueError:
        raise UserError("settings.bad_time", value=text[:20]) from None
    return parsed


async def configure_intros(
    session: AsyncSession,
    guild_id: int,
    *,
    channel_id: int,
    weekday: int | None = None,
    at: str | None = None,
    per_member: int | None = None,
) -> GuildSettings:
    if weekday is not None and not 0 <= weekday <= 6:
        raise UserError("settings.bad_weekday")
    parsed = parse_time(at) if at is not None else None
    if per_member is not None and not 1 <= per_member <= 3:
        raise UserError("settings.bad_per_member")
    settings = await _stored(session, guild_id)
    settings.intro_channel_id = channel_id
    if weekday is not None:
        settings.intro_weekday = weekday
    if parsed is not None:
        settings.intro_hour, settings.intro_minute = parsed.hour, parsed.minute
    if per_member is not None:
        settings.intro_per_member = per_member
    await session.flush()
    return settings


def zone(settings: GuildSettings, default: str) -> ZoneInfo:
    return ZoneInfo(settings.timezone or default)


def language(settings: GuildSettings, default: str) -> str:
    """The language of the server's public posts: set in setup, else the ``DEFAULT_LOCALE`` setting."""
    return settings.language or default


async def set_language(session: AsyncSession, guild_id: int, language: str) -> GuildSettings:
    if language not in LOCALES:
        raise UserError("settings.bad_language", value=language[:10])
    settings = await _stored(session, guild_id)
    settings.language = language
    await session.flush()
    return settings


async def servers_with_intro_channel(session: AsyncSession) -> list[GuildSettings]:
    stmt = select(GuildSettings).where(GuildSettings.intro_channel_id.is_not(None))
    return list((await session.execute(stmt)).scalars())


async def configure_events(
    session: AsyncSession, guild_id: int, *, channel_id: int, reminders: str | None = None
) -> GuildSettings:
    """The events channel and, if given, the reminder lead times (validated by the events service)."""
    settings = await _stored(session, guild_id)
    settings.events_channel_id = channel_id
    if reminders is not None:
        settings.event_reminders = reminders
    await session.flush()
    return settings
