"""The monthly celebration post, sent by the value job without an interaction."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.messaging import text_channel
from bot.services import guilds
from bot.services.value import celebrate
from bot.services.value.thanks import get_settings
from bot.ui import NO_PINGS
from cogs.value.render import celebration_embed

if TYPE_CHECKING:
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


async def is_member(bot: Bot, guild_id: int, user_id: int, known: dict[int, bool]) -> bool:
    """Whether the user is in the server now (asked once per user and post)."""
    if user_id not in known:
        guild = bot.get_guild(guild_id)
        if guild is None:
            known[user_id] = False
        elif guild.get_member(user_id) is not None:
            known[user_id] = True
        else:
            try:
                await guild.fetch_member(user_id)
                known[user_id] = True
            except discord.NotFound:
                known[user_id] = False
    return known[user_id]


async def still_members(bot: Bot, guild_id: int, stories: list[celebrate.Story]) -> list[celebrate.Story]:
    """The stories whose two members are both still in the server: a member who left is never named."""
    known: dict[int, bool] = {}
    kept: list[celebrate.Story] = []
    for story in stories:
        if len(kept) == celebrate.STORIES:
            break
        if await is_member(bot, guild_id, story.helper_id, known) and await is_member(
            bot, guild_id, story.thanker_id, known
        ):
            kept.append(story)
    return kept


async def celebrate_server(bot: Bot, guild_id: int) -> bool:
    if bot.get_guild(guild_id) is None:
        # The bot is no longer in that server: nothing to celebrate there.
        return False
    now = bot.clock()
    async with bot.db.session() as session:
        server = await guilds.get_settings(session, guild_id)
        tz = guilds.zone(server, bot.settings.timezone)
        locale = guilds.language(server, bot.settings.default_locale)
        month = celebrate.due_month(now, tz)
        if month is None:
            return False
        settings = await get_settings(session, guild_id)
        channel_id = settings.channel_id
        # The claim is committed before anything is sent: whoever claims first posts.
        if channel_id is None or not await celebrate.claim(session, guild_id, month):
            return False
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
