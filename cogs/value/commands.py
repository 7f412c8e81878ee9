"""/value setup, /value balance and /value share; the job that posts the monthly celebration."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.i18n import t
from bot.services import profiles
from bot.services.value import thanks
from bot.ui import already_stored, locale_of, moderators_only, send_ephemeral
from cogs.value.notify import celebrate_due
from cogs.value.render import balance_embed, setup_text

if TYPE_CHECKING:
    from bot.app import Bot

JOB = "value"
TICK = IntervalTrigger(minutes=1)


class ValueCog(commands.Cog, name="Value"):
    value = app_commands.Group(
        name=_("value"), description=_("Value we make together: thanks, time credits, celebration"), guild_only=True
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        # Every minute: is a server's monthly celebration due (first Monday, 09:00 server time)?
        self.bot.schedule(JOB, self.run_due_work, TICK)

    async def cog_unload(self) -> None:
        self.bot.unschedule(JOB)

    async def run_due_work(self) -> None:
        """Idempotent: safe to run any time, as often as wanted; each month claimed once, posted from the outbox."""
        await self.bot.wait_until_ready()
        await celebrate_due(self.bot)

    @value.command(name=_("setup"), description=_("Moderators: where value is made known, and how"))
    @app_commands.describe(
        channel=_("Channel for shared thanks and the monthly celebration"),
        celebrate=_("Post a monthly celebration (first Monday, 09:00)"),
        time_credits=_("Count hours as time credits (off by default)"),
    )
    @moderators_only
    async def setup(
        self,
        interaction: discord.Interaction[Bot],
        channel: discord.TextChannel,
        celebrate: bool | None = None,
        time_credits: bool | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            settings = await thanks.configure(
                session, interaction.guild_id, channel_id=channel.id, celebrate=celebrate, time_credits=time_credits
            )
            celebrate_on, credits_on = settings.celebrate, settings.time_credits
        share = await self.bot.command_mention(interaction.guild_id, "value share")
        async with already_stored(interaction):
            await send_ephemeral(interaction, setup_text(locale, channel.id, celebrate_on, credits_on, share))

    @value.command(name=_("balance"), description=_("Thanks and time credits: yours and the server's"))
    async def balance(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            await profiles.remember_locale(session, interaction.guild_id, interaction.user.id, locale)
            # Also tells the member about thanks they did not hear of yet (their DMs were closed).
            own = await thanks.profile_summary(
                session, interaction.guild_id, interaction.user.id, own=True, now=self.bot.clock()
            )
            totals = await thanks.server_totals(session, interaction.guild_id)
        assert own is not None  # always there for the member themselves
        embed = balance_embed(locale, interaction.user.display_name, own, totals)
        await send_ephemeral(interaction, embed=embed)

    @value.command(name=_("share"), description=_("Allow or stop showing thanks you receive in the value channel"))
    @app_commands.describe(allow=_("Yes: thanks to you may be shown; no: they are only counted"))
    async def share(self, interaction: discord.Interaction[Bot], allow: bool) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            await thanks.set_sharing(session, interaction.guild_id, interaction.user.id, allow)
        share = await self.bot.command_mention(interaction.guild_id, "value share")
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, "value.share.on" if allow else "value.share.off", share=share))
