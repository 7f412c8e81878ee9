"""The monthly celebration post, sent by the value job without an interaction."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.membership import still_member
from bot.messaging import text_channel
from bot.services import guilds
from bot.services.value import celebrate
from bot.services.value.thanks import get_settings
from bot.ui import NO_PINGS
from cogs.value.render import celebration_embed

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import Bot

log = logging.getLogger(__name__)


async def celebrate_due(bot: Bot) -> None:
    """Post every server's monthly celebration that is due now; each at most once per month."""
    async with bot.db.session() as session:
        servers = await celebrate.servers_celebrating(session)
    for guild_id in servers:
        try:
            await celebrate_server(bot, guild_id)
        except Exception:
            log.exception("monthly celebration of guild %s failed", guild_id)


async def still_members(bot: Bot, guild_id: int, stories: list[celebrate.Story]) -> list[celebrate.Story]:
    """The stories whose two members are both still in the server: a member who left is never named.

    The stored departures were applied when the stories were read; this asks Discord right before
    the post (``bot.membership``, which records a leave it finds). No session is open meanwhile.
    """
    known: dict[int, bool] = {}

    async def here(user_id: int) -> bool:
        if user_id not in known:
            known[user_id] = await still_member(bot, guild_id, user_id)
        return known[user_id]

    kept: list[celebrate.Story] = []
    for story in stories:
        if len(kept) == celebrate.STORIES:
            break
        if await here(story.helper_id) and await here(story.thanker_id):
            kept.append(story)
    return kept


async def celebrate_server(bot: Bot, guild_id: int) -> bool:
    if bot.get_guild(guild_id) is None:
        # The bot is no longer in that server: nothing to celebrate there.
        return False
    now = bot.clock()

    async def claim(session: AsyncSession) -> tuple[str, str, int] | None:
        """(language, month, channel) when this tick claimed the month's post."""
        server = await guilds.get_settings(session, guild_id)
        tz = guilds.zone(server, bot.settings.timezone)
        month = celebrate.due_month(now, tz)
        if month is None:
            return None
        channel_id = (await get_settings(session, guild_id)).channel_id
        # The claim is committed before anything is sent: whoever claims first posts.
        if channel_id is None or not await celebrate.claim(session, guild_id, month):
            return None
        return guilds.language(server, bot.settings.default_locale), month, channel_id

    claimed = await bot.db.run(claim)
    if claimed is None:
        return False
    locale, month, channel_id = claimed
    async with bot.db.session() as session:
        found = await celebrate.highlights(session, guild_id, month)
    found.stories = await still_members(bot, guild_id, found.stories)
    message = None
    channel = await text_channel(bot, channel_id)
    if channel is not None:
        embed = celebration_embed(locale, found, await bot.command_mention(guild_id, "thanks"))
        try:
            message = await channel.send(embed=embed, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            log.warning("could not post the celebration of guild %s", guild_id, exc_info=True)
    async with bot.db.session() as session:
        if message is None:
            # Nothing went out: give the month back so a later tick (within the day) tries again.
            await celebrate.release(session, guild_id, month)
            return False
        await celebrate.set_message(session, guild_id, month, message.id)
    return True
