"""Sending without an interaction: channels by id, DMs, private threads, deliberate pings.

Shared by the features that post on their own (introductions, events, challenges).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import discord

from bot.ui import NO_PINGS

log = logging.getLogger(__name__)

__all__ = ["NO_PINGS", "fetch_channel", "pings", "private_thread", "send_dm", "text_channel"]


def pings(user_ids: Iterable[int]) -> discord.AllowedMentions:
    """Ping exactly the named members, never everyone, here or a role."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(u) for u in user_ids]
    )


async def fetch_channel(client: discord.Client, channel_id: int | None) -> Any | None:
    """A channel or thread from the cache or the API; None when it is gone or not visible."""
    if channel_id is None:
        return None
    channel = client.get_channel(channel_id)
    if channel is None:
        try:
            channel = await client.fetch_channel(channel_id)
        except discord.HTTPException:
            return None
    return channel


async def text_channel(client: discord.Client, channel_id: int | None) -> discord.TextChannel | None:
    channel = await fetch_channel(client, channel_id)
    return channel if isinstance(channel, discord.TextChannel) else None


async def send_dm(client: discord.Client, user_id: int, **kwargs: Any) -> discord.Message | None:
    """Send a DM; None when the member's DMs are closed (403) or the send failed otherwise."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    try:
        user = client.get_user(user_id) or await client.fetch_user(user_id)
        return await user.send(**kwargs)
    except discord.HTTPException as exc:
        log.info("DM to %s failed (%s)", user_id, exc.status)
        return None


async def private_thread(channel: discord.TextChannel, name: str, user_ids: Iterable[int]) -> discord.Thread:
    """A private thread only the named members (and moderators) can see."""
    thread = await channel.create_thread(
        name=name[:100], type=discord.ChannelType.private_thread, invitable=False, auto_archive_duration=10080
    )
    for user_id in user_ids:
        await thread.add_user(discord.Object(user_id))
    return thread
