"""What the challenge commands send without an interaction: status news in the thread, and
whether the bot may post in a channel at all.

Public texts use the server's language (``guilds.language``) and ping nobody. The post itself, its thread
and invitations are sent by :mod:`cogs.challenges.buttons` (the form and the buttons do that work).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.i18n import t
from bot.services.challenges.records import ChallengeView
from bot.ui import NO_PINGS
from cogs.challenges.buttons import Postable, refresh_post, server_locale
from cogs.challenges.render import status_label

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)


def can_post(channel: Postable) -> bool:
    """Whether the bot may post challenges there (a forum post, or a message and a thread)."""
    me = channel.guild.me
    if me is None:
        return True  # not cached: Discord will tell when posting
    allowed = channel.permissions_for(me)
    needed = [allowed.view_channel, allowed.send_messages, allowed.embed_links, allowed.send_messages_in_threads]
    if isinstance(channel, discord.TextChannel):
        needed.append(allowed.create_public_threads)
    return all(needed)


async def announce(bot: Bot, view: ChallengeView, content: str) -> None:
    """A message in the challenge's thread (which also brings an archived thread back)."""
    if view.thread_id is None:
        return
    try:
        await bot.get_partial_messageable(view.thread_id).send(content[:2000], allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("could not announce in the thread of challenge %s", view.id, exc_info=True)


async def status_changed(bot: Bot, view: ChallengeView, old: str, *, by: str) -> None:
    """The thread hears of the new status, the post shows it, and a linked hackathon lists it again."""
    public = await server_locale(bot, view.guild_id)
    step = "final" if view.finished else "step"
    await announce(
        bot,
        view,
        t(
            public,
            f"challenge.thread.status_{step}",
            old=status_label(public, old),
            new=status_label(public, view.status),
            by=by,
        ),
    )
    await refresh_post(bot, view.id)
