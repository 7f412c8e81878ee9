"""The monthly celebration post, sent by the value job without an interaction."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.membership import still_member
from bot.messaging import NotReached, post_then_store, send_outbox, text_channel
from bot.services import guilds
from bot.services.value import celebrate
from bot.services.value.thanks import get_settings
from bot.ui import NO_PINGS
from cogs.value.render import celebration_embed

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)


async def celebrate_due(bot: Bot) -> None:
    """Claim every server's monthly celebration that is due now (once per month), then send what
    the outbox holds: at least once, with a nonce (also a post a crash interrupted)."""
    async with bot.db.session() as session:
        servers = await celebrate.servers_celebrating(session)
    for guild_id in servers:
        try:
            await claim_celebration(bot, guild_id)
        except Exception:
            log.exception("monthly celebration of guild %s failed", guild_id)
    await send_outbox(bot, {"celebration": send_celebration})


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


async def claim_celebration(bot: Bot, guild_id: int) -> bool:
    """Claim this month's celebration of a server when it is due (recorded once, put in the outbox)."""
    if bot.get_guild(guild_id) is None:
        # The bot is no longer in that server: nothing to celebrate there.
        return False
    now = bot.clock()

    async def claim(session: AsyncSession) -> bool:
        server = await guilds.get_settings(session, guild_id)
        month = celebrate.due_month(now, guilds.zone(server, bot.settings.timezone))
        if month is None or (await get_settings(session, guild_id)).channel_id is None:
            return False
        return await celebrate.claim(session, guild_id, month, now)

    return await bot.db.run(claim)


async def send_celebration(bot: Bot, item: outbox.Item) -> bool:
    """The month's celebration post (an outbox item of kind ``celebration``), in the server's language."""
    if item.guild_id is None:
        raise NotReached(f"{item.key} names no server")
    guild_id, month = item.guild_id, str(item.payload["month"])
    async with bot.db.session() as session:
        server = await guilds.get_settings(session, guild_id)
        locale = guilds.language(server, bot.settings.default_locale)
        channel_id = (await get_settings(session, guild_id)).channel_id
        found = await celebrate.highlights(session, guild_id, month)
    found.stories = await still_members(bot, guild_id, found.stories)
    channel = await text_channel(bot, channel_id)
    if channel is None:
        raise NotReached(f"guild {guild_id} has no value channel for the celebration of {month}")
    embed = celebration_embed(locale, found, await bot.command_mention(guild_id, "thanks"))

    async def post() -> discord.Message:
        return await channel.send(embed=embed, allowed_mentions=NO_PINGS, nonce=item.nonce)

    async def store(session: AsyncSession, message: discord.Message) -> None:
        await celebrate.set_message(session, guild_id, month, message.id)
        await outbox.confirm(session, item.id, now=bot.clock(), message_id=message.id)

    await post_then_store(bot.db, post, store, lambda message: message.delete())
    return True
