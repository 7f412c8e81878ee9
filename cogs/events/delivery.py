"""Getting event messages to members: DMs where they consented, the events channel otherwise.

Who is told how:

* Reminders and cancellations go by DM to members who answered (Going; for a cancellation also
  Maybe and the waitlist) **and** joined DMs (``/intro join``, the server's DM consent). A post
  in the events channel tells everyone else; it mentions nobody except those consenting members
  whose DMs turned out to be closed, so they are still reached. Nothing ever pings @everyone or
  a role.
* A member promoted from the waitlist is told by DM (joining the waitlist asked for exactly
  that); if their DMs are closed, the events channel mentions that one member.
* Experts get the questions by DM, or in a private thread of the events channel with only them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.services.events import Recipient

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()


def pings(user_ids: Sequence[int]) -> discord.AllowedMentions:
    """Ping exactly the named members, never anyone else."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(u) for u in user_ids]
    )


async def text_channel(bot: Bot, channel_id: int | None) -> discord.TextChannel | None:
    if channel_id is None:
        return None
    channel = bot.get_channel(channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(channel_id)
        except discord.HTTPException:
            return None
    return channel if isinstance(channel, discord.TextChannel) else None


async def dm(bot: Bot, user_id: int, **kwargs: Any) -> discord.Message | None:
    """Send a DM; None when the member's DMs are closed or the send failed."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    try:
        user = bot.get_user(user_id) or await bot.fetch_user(user_id)
        return await user.send(**kwargs)
    except discord.HTTPException as exc:
        log.info("DM to %s failed (%s)", user_id, exc.status)
        return None


async def private_thread(channel: discord.TextChannel, name: str, user_ids: Sequence[int]) -> discord.Thread:
    thread = await channel.create_thread(
        name=name[:100], type=discord.ChannelType.private_thread, invitable=False, auto_archive_duration=10080
    )
    for user_id in user_ids:
        await thread.add_user(discord.Object(user_id))
    return thread


async def dm_consenting(
    bot: Bot, recipients: Sequence[Recipient], render: Callable[[str], str], default_locale: str
) -> tuple[list[int], list[int]]:
    """DM every recipient who joined DMs, each in their language. Returns (reached, DMs closed)."""
    reached, closed = [], []
    for recipient in recipients:
        if not recipient.joined:
            continue
        message = await dm(bot, recipient.user_id, content=render(recipient.locale or default_locale)[:2000])
        (reached if message is not None else closed).append(recipient.user_id)
    return reached, closed


async def post(
    bot: Bot, channel_id: int | None, content: str | None, *, mention: Sequence[int] = (), **kwargs: Any
) -> discord.Message | None:
    """A message in the events channel that pings only ``mention`` (appended to the content)."""
    channel = await text_channel(bot, channel_id)
    if channel is None:
        log.warning("events channel %s is not available", channel_id)
        return None
    if mention:
        names = " ".join(f"<@{u}>" for u in mention)
        content = f"{content}\n{names}" if content else names
    try:
        return await channel.send(
            content[:2000] if content else None, allowed_mentions=pings(mention) if mention else NO_PINGS, **kwargs
        )
    except discord.HTTPException:
        log.exception("could not post in the events channel %s", channel_id)
        return None
