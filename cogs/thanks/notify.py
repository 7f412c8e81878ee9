"""Sending a thanks without an interaction: the post in the value channel and the DM to the thanked member."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.membership import still_member
from bot.messaging import send_dm, text_channel
from bot.services.value.thanks import Draft
from bot.ui import NO_PINGS
from cogs.thanks.render import dm_text, public_post

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)


async def post(bot: Bot, draft: Draft, locale: str) -> discord.Message | None:
    """Show the thanks in the value channel (the helper allowed it), in the server's language
    ``locale``; None when nothing was posted."""
    if draft.share_channel_id is None:
        return None
    channel = await text_channel(bot, draft.share_channel_id)
    if channel is None:
        log.warning("value channel %s of guild %s is gone", draft.share_channel_id, draft.guild_id)
        return None
    try:
        return await channel.send(public_post(locale, draft), allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("could not post a thanks in channel %s", draft.share_channel_id, exc_info=True)
        return None


async def undo(message: discord.Message | None) -> None:
    if message is not None:
        await message.delete()


async def tell(bot: Bot, draft: Draft, thanker_name: str, server: str) -> bool:
    """DM the thanked member when they consented to DMs from the bot (and are still in the server);
    False when they were not reached."""
    if not draft.helper_dms or not await still_member(bot, draft.guild_id, draft.helper_id):
        return False
    locale = draft.helper_locale or bot.settings.default_locale
    share = await bot.command_mention(draft.guild_id, "value share")
    sent = await send_dm(bot, draft.helper_id, content=dm_text(locale, draft, thanker_name, server, share))
    return sent is not None
