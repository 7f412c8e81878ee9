"""The native Discord event of an event (the server's "Events" list).

The database row is the source of truth; the native event shows it. Every function here raises
``UserError`` when Discord refuses, so nothing is stored for a native event that does not exist.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import discord

from bot.errors import UserError
from models import Event

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


def _place(guild: discord.Guild, spec: NativeSpec) -> dict[str, Any]:
    if spec.channel_id is None:
        return {"entity_type": discord.EntityType.external, "location": spec.location}
    channel = guild.get_channel(spec.channel_id)
    if isinstance(channel, discord.StageChannel):
        return {"entity_type": discord.EntityType.stage_instance, "channel": channel}
    if isinstance(channel, discord.VoiceChannel):
        return {"entity_type": discord.EntityType.voice, "channel": channel}
    raise UserError("event.location_channel_gone")


def _guild(client: discord.Client, guild_id: int) -> discord.Guild:
    guild = client.get_guild(guild_id)
    if guild is None:
        raise UserError("event.native_failed")
    return guild


async def create_native(
    client: discord.Client, guild_id: int, spec: NativeSpec, *, reason: str
) -> discord.ScheduledEvent:
    guild = _guild(client, guild_id)
    try:
        return await guild.create_scheduled_event(
            name=spec.title,
            start_time=spec.starts_at,
            end_time=spec.ends_at,
            description=spec.description,
            privacy_level=discord.PrivacyLevel.guild_only,
            reason=reason,
            **_place(guild, spec),
        )
    except discord.HTTPException as exc:
        log.warning("creating the native event in guild %s failed: %s", guild_id, exc)
        raise UserError("event.native_failed") from exc


async def native_event(client: discord.Client, guild_id: int, native_id: int | None) -> discord.ScheduledEvent | None:
    guild = client.get_guild(guild_id)
    if guild is None or native_id is None:
        return None
    found = guild.get_scheduled_event(native_id)
    if found is not None:
        return found
    try:
        return await guild.fetch_scheduled_event(native_id)
    except discord.HTTPException:
        return None


async def edit_native(
    client: discord.Client, guild_id: int, native_id: int | None, spec: NativeSpec, *, reason: str
) -> None:
    """Show new values on the native event (raises UserError when Discord refuses)."""
    native = await native_event(client, guild_id, native_id)
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
            **_place(_guild(client, guild_id), spec),
        )
    except discord.HTTPException as exc:
        log.warning("editing native event %s failed: %s", native_id, exc)
        raise UserError("event.native_failed") from exc


async def cancel_native(client: discord.Client, guild_id: int, native_id: int | None, *, reason: str) -> None:
    native = await native_event(client, guild_id, native_id)
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
