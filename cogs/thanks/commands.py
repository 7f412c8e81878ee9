"""/thanks member what [kind] [hours]."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.membership import still_member
from bot.messaging import post_then_store
from bot.services import guilds, profiles
from bot.services.value import thanks
from bot.ui import already_stored, locale_of, send_ephemeral
from cogs.thanks.notify import post, tell, undo
from cogs.thanks.render import reply_text

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import Bot

KINDS = [
    app_commands.Choice(name=_("Knowledge or advice"), value="knowledge"),
    app_commands.Choice(name=_("Network or an introduction"), value="network"),
    app_commands.Choice(name=_("Space: a room or a place"), value="space"),
    app_commands.Choice(name=_("Materials or tools"), value="materials"),
    app_commands.Choice(name=_("Time or help"), value="time"),
    app_commands.Choice(name=_("Something else"), value="other"),
]


class ThanksCog(commands.Cog, name="Thanks"):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @app_commands.command(name=_("thanks"), description=_("Thank a member for what you received from them"))
    @app_commands.describe(
        member=_("Who you want to thank"),
        what=_("What you received, in a few words (2 to 200 characters)"),
        kind=_("What kind of help it was"),
        hours=_("Hours it took them (¼ to 100), if the server counts time credits"),
    )
    @app_commands.choices(kind=KINDS)
    @app_commands.guild_only()
    async def thanks_command(
        self,
        interaction: discord.Interaction[Bot],
        member: discord.User,
        what: app_commands.Range[str, 2, 200],
        kind: app_commands.Choice[str] | None = None,
        hours: app_commands.Range[float, 0.25, 100.0] | None = None,
    ) -> None:
        assert interaction.guild_id is not None and interaction.guild is not None
        bot = self.bot
        locale = locale_of(interaction)
        guild_id, user_id = interaction.guild_id, interaction.user.id
        # One thanks at a time per member, so the daily limit holds under double clicks.
        async with bot.locks[f"thanks:{guild_id}:{user_id}"]:
            now = bot.clock()
            # A member who left (Discord's answer and privacy's record of departures) is refused.
            # Asked before the unit of work: no session is open during a Discord call.
            here = isinstance(member, discord.Member) and await still_member(bot, guild_id, member.id)
            async with bot.db.session() as session:
                await profiles.remember_locale(session, guild_id, user_id, locale)
                draft = await thanks.prepare(
                    session,
                    guild_id,
                    user_id,
                    member.id,
                    helper_is_bot=member.bot,
                    helper_in_server=here,
                    kind=kind.value if kind else "other",
                    text=what,
                    hours=hours,
                    now=now,
                )
                link = await thanks.context_titles(session, draft)
                public = guilds.language(await guilds.get_settings(session, guild_id), bot.settings.default_locale)

            async def store(session: AsyncSession, message: discord.Message | None) -> int:
                return await thanks.record(
                    session,
                    draft,
                    now=now,
                    channel_id=message.channel.id if message else None,
                    message_id=message.id if message else None,
                )

            message: discord.Message | None = None

            async def posting() -> discord.Message | None:
                nonlocal message
                message = await post(bot, draft, public)
                return message

            thanks_id = await post_then_store(bot.db, posting, store, undo)
        shown_in = message.channel.id if message is not None else None
        async with already_stored(interaction):
            await send_ephemeral(interaction, reply_text(locale, draft, member.display_name, link, shown_in))
        # Then the thanked member: by DM when they accept DMs, else at their next look at their value.
        if await tell(bot, draft, interaction.user.display_name, interaction.guild.name):
            async with bot.db.session() as session:
                await thanks.mark_told(session, thanks_id, bot.clock())
