"""Sending without an interaction: channels by id, DMs, private threads, deliberate pings, and
the one recipe for posting something and storing it together (:func:`post_then_store`), and the
one for sending what the outbox holds (:func:`send_outbox`).

Shared by the features that post on their own (introductions, events, challenges).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.db import Database
from bot.ui import NO_PINGS

if TYPE_CHECKING:
    from bot.app import Bot

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


class NotReached(Exception):
    """A member could be reached neither by DM nor in a thread (or a server has no channel): not retried."""


# What sends one outbox item of a kind (see send_outbox).
Sender = Callable[["Bot", outbox.Item], Awaitable[bool]]
BATCH = 100


async def send_outbox(bot: Bot, senders: Mapping[str, Sender], *, guild_id: int | None = None) -> tuple[int, int]:
    """Send the due outbox items of the kinds in ``senders`` (of one server, or all): claim, send,
    confirm or fail.

    Each batch is claimed in a short unit of work; each item is sent with no session open by its
    kind's sender, which confirms it (in the unit of work that stores what was sent, or with no message
    when there is nothing to send any more) and returns whether it sent. A send that raises is
    recorded on the item: retried at the next drain up to ``outbox.MAX_ATTEMPTS`` times, never
    when it cannot succeed (:class:`NotReached`, 403, 404). Returns (sent, not sent).
    """
    db, kinds = bot.db, tuple(senders)
    sent = failed = 0
    after = 0
    while True:
        async with db.session() as session:
            items = await outbox.claim(session, bot.clock(), kinds=kinds, guild_id=guild_id, after=after, limit=BATCH)
        for item in items:
            try:
                ok = await senders[item.kind](bot, item)
            except Exception as exc:
                ok = False
                permanent = isinstance(exc, (NotReached, discord.Forbidden, discord.NotFound))
                if isinstance(exc, NotReached):
                    log.warning("%s: %s", item.key, exc)
                else:
                    log.exception("%s could not be sent (attempt %s)", item.key, item.attempts)
                try:
                    async with db.session() as session:
                        await outbox.fail(session, item.id, f"{type(exc).__name__}: {exc}", permanent=permanent)
                except Exception:
                    # Left claimed: claimed again after outbox.CLAIM_TIMEOUT.
                    log.exception("could not record the failure of %s", item.key)
            sent, failed = (sent + 1, failed) if ok else (sent, failed + 1)
        if len(items) < BATCH:
            return sent, failed
        after = items[-1].id


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
