"""Sending without an interaction: channels by id, DMs, private threads, deliberate pings, and
the one recipe for posting something and storing it together (:func:`post_then_store`).

Shared by the features that post on their own (introductions, events, challenges).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.ui import NO_PINGS

log = logging.getLogger(__name__)

Posted = TypeVar("Posted")
Stored = TypeVar("Stored")


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


async def send_dm(
    client: discord.Client, user_id: int, *, nonce: str | None = None, **kwargs: Any
) -> discord.Message | None:
    """Send a DM; None when the member's DMs are closed (403) or the send failed otherwise.

    ``nonce`` (an outbox item's): discord.py then sets ``enforce_nonce``, so Discord answers a
    repeat within its nonce window with the first message instead of sending it again.
    """
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if nonce is not None:
        kwargs["nonce"] = nonce
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


async def post_then_store(
    db: Database,
    post: Callable[[], Awaitable[Posted]],
    store: Callable[[AsyncSession, Posted], Awaitable[Stored]],
    undo: Callable[[Posted], Awaitable[object]],
) -> Stored:
    """Post to Discord, then store what was posted; never with a database session open during a Discord call.

    The caller reads and validates in a short unit of work before (so bad input changes nothing).
    ``post`` runs with no session open; ``store`` runs in one unit of work of its own; when storing
    fails, ``undo`` takes the post back (best effort) and the error goes on. A failure of either
    leaves neither, and no write lock waits on Discord.
    """
    posted = await post()
    try:
        async with db.session() as session:
            return await store(session, posted)
    except BaseException:
        with contextlib.suppress(Exception):
            await undo(posted)
        raise
