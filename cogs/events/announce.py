"""The native Discord event and the announcement message of an event.

The database row is the source of truth; the native event and the announcement show it.
``refresh_announcement`` re-renders the announcement from the database (counts, experts,
slots, linked challenges) and is safe to call from anywhere, any number of times.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.errors import UserError
from bot.services import events, experts, guilds
from cogs.events import render
from cogs.events.delivery import NO_PINGS, text_channel
from cogs.events.views import announcement_view
from models import Event, EventStatus

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NativeSpec:
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    channel_id: int | None

    @classmethod
    def of(cls, event: Event) -> NativeSpec:
        return cls(
            event.title, event.description, event.starts_at, event.ends_at, event.location, event.location_channel_id
        )


def _place(guild: discord.Guild, spec: NativeSpec) -> dict[str, object]:
    if spec.channel_id is None:
        return {"entity_type": discord.EntityType.external, "location": spec.location}
    channel = guild.get_channel(spec.channel_id)
    if isinstance(channel, discord.StageChannel):
        return {"entity_type": discord.EntityType.stage_instance, "channel": channel}
    if isinstance(channel, discord.VoiceChannel):
        return {"entity_type": discord.EntityType.voice, "channel": channel}
    raise UserError("event.location_channel_gone")


def _guild(bot: Bot, guild_id: int) -> discord.Guild:
    guild = bot.get_guild(guild_id)
    if guild is None:
        raise UserError("event.native_failed")
    return guild


async def create_native(bot: Bot, guild_id: int, spec: NativeSpec, *, reason: str) -> discord.ScheduledEvent:
    guild = _guild(bot, guild_id)
    try:
        return await guild.create_scheduled_event(
            name=spec.title,
            start_time=spec.starts_at,
            end_time=spec.ends_at,
            description=spec.description,
            privacy_level=discord.PrivacyLevel.guild_only,
            reason=reason,
            **_place(guild, spec),  # type: ignore[arg-type]
        )
    except discord.HTTPException as exc:
        log.warning("creating the native event in guild %s failed: %s", guild_id, exc)
        raise UserError("event.native_failed") from exc


async def native_event(bot: Bot, guild_id: int, native_id: int | None) -> discord.ScheduledEvent | None:
    guild = bot.get_guild(guild_id)
    if guild is None or native_id is None:
        return None
    found = guild.get_scheduled_event(native_id)
    if found is not None:
        return found
    try:
        return await guild.fetch_scheduled_event(native_id)
    except discord.HTTPException:
        return None


async def edit_native(bot: Bot, guild_id: int, native_id: int | None, spec: NativeSpec, *, reason: str) -> None:
    """Show new values on the native event (raises UserError when Discord refuses)."""
    native = await native_event(bot, guild_id, native_id)
    if native is None:
        log.warning("native event %s of guild %s is gone; only the announcement is updated", native_id, guild_id)
        return
    try:
        await native.edit(
            name=spec.title,
            description=spec.description,
            start_time=spec.starts_at,
            end_time=spec.ends_at,
            reason=reason,
            **_place(_guild(bot, guild_id), spec),  # type: ignore[arg-type]
        )
    except discord.HTTPException as exc:
        log.warning("editing native event %s failed: %s", native_id, exc)
        raise UserError("event.native_failed") from exc


async def cancel_native(bot: Bot, guild_id: int, native_id: int | None, *, reason: str) -> None:
    native = await native_event(bot, guild_id, native_id)
    if native is None:
        return
    try:
        await native.cancel(reason=reason)
    except discord.HTTPException:
        try:
            await native.delete(reason=reason)
        except discord.HTTPException:
            log.exception("could not cancel native event %s", native_id)


async def delete_native(native: discord.ScheduledEvent, *, reason: str) -> None:
    try:
        await native.delete(reason=reason)
    except discord.HTTPException:
        log.exception("could not delete native event %s after a failed create", native.id)


async def refresh_announcement(bot: Bot, event_id: int) -> None:
    """Re-render the event's announcement from the database; post it if it is missing.

    Called after RSVPs, edits, cancelling, and by the challenges feature after linking.
    """
    async with bot.db.session() as session:
        event = await session.get(Event, event_id)
        if event is None:
            return
        settings = await guilds.get_settings(session, event.guild_id)
        counts = (await events.counts(session, [event_id]))[event_id]
        challenges = await events.linked_challenges(session, event_id)
        slots = (
            (len(await experts.booked(session, event_id)), len(experts.slot_times(event)))
            if event.slot_minutes
            else None
        )
        session_experts = await experts.session_experts(session, event_id)
        session.expunge(event)
    locale = bot.settings.default_locale
    embed = render.announcement_embed(
        locale, event, counts, challenges=challenges, slots=slots, experts=session_experts
    )
    open_ = event.status == EventStatus.SCHEDULED.value and event.starts_at > bot.clock()
    view = announcement_view(event, locale) if open_ else None
    if event.announcement_channel_id is not None and event.announcement_message_id is not None:
        message = bot.get_partial_messageable(event.announcement_channel_id).get_partial_message(
            event.announcement_message_id
        )
        try:
            await message.edit(embed=embed, view=view, allowed_mentions=NO_PINGS)
            return
        except discord.NotFound:
            log.info("announcement of event %s was deleted; posting it again", event_id)
        except discord.HTTPException:
            log.exception("could not update the announcement of event %s", event_id)
            return
    if event.status != EventStatus.SCHEDULED.value:
        return
    channel = await text_channel(bot, settings.events_channel_id)
    if channel is None:
        log.warning("guild %s has no usable events channel for event %s", event.guild_id, event_id)
        return
    kwargs = {"view": view} if view is not None else {}
    try:
        posted = await channel.send(embed=embed, allowed_mentions=NO_PINGS, **kwargs)
    except discord.HTTPException:
        log.exception("could not post the announcement of event %s", event_id)
        return
    async with bot.db.session() as session:
        stored = await session.get(Event, event_id)
        if stored is not None:
            stored.announcement_channel_id, stored.announcement_message_id = channel.id, posted.id
