"""/impact [period] (moderators): numbers, three PNG charts and a CSV of the underlying table."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.services import charts
from bot.services.value.impact import CSV_NAME, DEFAULT_DAYS, impact, to_csv
from bot.ui import NO_PINGS, locale_of, moderators_only
from cogs.impact.render import impact_embed

if TYPE_CHECKING:
    from bot.app import Bot


class ImpactCog(commands.Cog, name="Impact"):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @app_commands.command(name=_("impact"), description=_("Moderators: what came of it, with charts and a table"))
    @app_commands.describe(period=_("How many days to look back (default 90)"))
    @app_commands.guild_only()
    @moderators_only
    async def impact_command(
        self, interaction: discord.Interaction[Bot], period: app_commands.Range[int, 1, 3650] = DEFAULT_DAYS
    ) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        # Counting and drawing take a moment: answer Discord first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        until = self.bot.clock()
        async with self.bot.db.session() as session:
            found = await impact(session, interaction.guild_id, until - timedelta(days=period), until)
        images = await asyncio.to_thread(charts.render, found, locale)
        files = [discord.File(io.BytesIO(data), filename=name) for name, data in images.items()]
        files.append(discord.File(io.BytesIO(to_csv(found).encode("utf-8")), filename=CSV_NAME))
        await interaction.followup.send(
            embed=impact_embed(locale, found, period), files=files, ephemeral=True, allowed_mentions=NO_PINGS
        )
