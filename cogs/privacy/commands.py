"""/privacy show, export and delete; who leaves and comes back; the daily retention purge."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from apscheduler.triggers.cron import CronTrigger
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.i18n import t
from bot.services import privacy
from bot.ui import locale_of, send_ephemeral
from cogs.privacy import render
from cogs.privacy.buttons import confirm_view, consents_view
from models import Purpose

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)

# Daily, at night (UTC): members and servers that left longer ago than RETENTION_DAYS are erased.
PURGE = CronTrigger(hour=3, minute=17, timezone="UTC")


def _(text: str, key: str) -> locale_str:
    # Dutch names differ per command ("show" is "toon" here, "bekijken" elsewhere): translated by key.
    return locale_str(text, key=f"privacy.cmd.{key}")


class PrivacyCog(commands.Cog, name="Privacy"):
    privacy = app_commands.Group(
        name=_("privacy", "group"),
        description=_("Your data: see it, download it, erase it", "group_description"),
        guild_only=True,
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.schedule("privacy", self.purge, PURGE)

    async def cog_unload(self) -> None:
        self.bot.unschedule("privacy")

    # --- the member's own data ---------------------------------------------------------------

    @privacy.command(
        name=_("show", "show"),
        description=_("What is stored about you, who sees it, your consents", "show_description"),
    )
    async def show(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            seen = await privacy.overview(session, interaction.guild_id, interaction.user.id)
        embed = render.overview_embed(locale, seen, retention_days=self.bot.settings.retention_days)
        view = consents_view(interaction.guild_id, [(Purpose(c.purpose), c.scope_id) for c in seen.consents], locale)
        if view is None:
            await send_ephemeral(interaction, embed=embed)
        else:
            await send_ephemeral(interaction, embed=embed, view=view)

    @privacy.command(
        name=_("export", "export"),
        description=_("Download everything that names you, as a JSON file", "export_description"),
    )
    async def export(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            data = await privacy.export_member(session, interaction.guild_id, interaction.user.id, now=self.bot.clock())
        await send_ephemeral(
            interaction, t(locale, "privacy.export.done"), file=render.export_file(data, interaction.guild_id)
        )

    @privacy.command(
        name=_("delete", "delete"),
        description=_("Erase everything that names you in this server", "delete_description"),
    )
    async def delete(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            known = await privacy.knows_member(session, interaction.guild_id, interaction.user.id)
        if not known:
            await send_ephemeral(interaction, t(locale, "privacy.delete.nothing"))
            return
        await send_ephemeral(
            interaction,
            t(locale, "privacy.delete.confirm"),
            view=confirm_view(interaction.guild_id, interaction.user.id, locale),
        )

    # --- members and servers that leave and come back ------------------------------------------

    async def member_left(self, guild_id: int, user_id: int) -> None:
        now = self.bot.clock()
        # A leave is heard once: recorded even when another unit of work wrote at the same moment.
        marked = await self.bot.db.run(lambda session: privacy.mark_left(session, guild_id, user_id, now=now))
        if marked:
            log.info("member %s left server %s", user_id, guild_id)
            self.bot.dispatch("member_left", guild_id, user_id)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.member_left(payload.guild_id, payload.user.id)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        async with self.bot.db.session() as session:
            await privacy.came_back(session, member.guild.id, member.id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        async with self.bot.db.session() as session:
            await privacy.guild_left(session, guild.id, now=self.bot.clock())
        log.info("removed from server %s: its data is erased in %s days", guild.id, self.bot.settings.retention_days)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        async with self.bot.db.session() as session:
            await privacy.guild_returned(session, guild.id)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        async with self.bot.db.session() as session:
            await privacy.guild_returned(session, guild.id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await self.reconcile()

    async def reconcile(self) -> None:
        """What happened while the bot was offline: servers that removed it, members who left or came back.

        Only servers whose member list is complete (available and chunked) are compared.
        """
        now = self.bot.clock()
        async with self.bot.db.session() as session:
            servers = await privacy.reconcile_guilds(session, [g.id for g in self.bot.guilds], now=now)
        left: list[tuple[int, int]] = []
        for guild in self.bot.guilds:
            if guild.unavailable:
                continue
            if not guild.chunked:
                try:
                    await guild.chunk()
                except (TimeoutError, discord.ClientException):
                    log.warning("could not list the members of server %s; checked on the next start", guild.id)
                    continue
            if not guild.chunked:
                continue
            async with self.bot.db.session() as session:
                found = await privacy.reconcile_guild(session, guild.id, [m.id for m in guild.members], now=now)
            left.extend((guild.id, user_id) for user_id in found.left)
        if servers.left or left:
            log.info("while offline: removed from %d servers, %d members left", len(servers.left), len(left))
        for guild_id, user_id in left:
            self.bot.dispatch("member_left", guild_id, user_id)

    # --- retention ---------------------------------------------------------------------------

    async def purge(self) -> None:
        async with self.bot.db.session() as session:
            report = await privacy.purge(session, now=self.bot.clock(), retention_days=self.bot.settings.retention_days)
        if report.guilds or report.members:
            log.info("retention: erased %d servers and %d members", len(report.guilds), report.members)
