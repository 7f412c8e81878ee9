"""Membership checked right before anything is delivered: a missed leave never leads to a DM or a mention.

Features call :func:`still_member` before they propose, invite, remind or mention someone. The stored
departures (``bot.services.privacy``) answer first; then Discord: a member the server no longer has is
marked left on the spot, and ``member_left`` is dispatched as if the leave had been heard.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord

from bot.services import privacy

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)


async def _on_discord(bot: Bot, guild_id: int, user_id: int) -> bool | None:
    """Whether Discord has the member in the server; None when it cannot tell right now."""
    guild = bot.get_guild(guild_id)
    if guild is None:
        return None
    if guild.get_member(user_id) is not None:
        return True
    if guild.chunked:
        return False
    try:
        await guild.fetch_member(user_id)
    except discord.NotFound:
        return False
    except discord.HTTPException:
        return None
    return True


async def still_member(bot: Bot, guild_id: int, user_id: int) -> bool:
    """True when the member (and the bot) are still in the server; a leave found here is recorded."""
    async with bot.db.session() as session:
        if not await privacy.is_present(session, guild_id, user_id):
            return False
    here = await _on_discord(bot, guild_id, user_id)
    if here is not False:
        return True
    now = bot.clock()
    marked = await bot.db.run(lambda session: privacy.mark_left(session, guild_id, user_id, now=now))
    if marked:
        log.info("member %s was found gone from server %s before a delivery", user_id, guild_id)
        bot.dispatch("member_left", guild_id, user_id)
    return False


async def still_members(bot: Bot, guild_id: int, user_ids: Iterable[int]) -> list[int]:
    """Those of ``user_ids`` who are still in the server, in order."""
    return [u for u in user_ids if await still_member(bot, guild_id, u)]
