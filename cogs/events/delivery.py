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

from bot.messaging import NO_PINGS, pings, private_thread, text_channel
from bot.messaging import send_dm as dm
from bot.services.events import Recipient

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)

# Re-exported for the other event modules.
__all__ = ["NO_PINGS", "dm", "dm_consenting", "pings", "post", "private_thread", "text_channel"]


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
