"""/profile set and /profile show."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.errors import UserError
from bot.i18n import t
from bot.services import profiles
from bot.ui import already_stored, locale_of, send_ephemeral
from cogs.profile.render import profile_embed
from models import Sector

if TYPE_CHECKING:
    from bot.app import Bot

SECTOR_LABELS = {
    Sector.GOVERNMENT: "Government",
    Sector.COMPANY: "Company",
    Sector.SOCIAL_ENTERPRISE: "Social enterprise",
    Sector.KNOWLEDGE_INSTITUTION: "Knowledge institution",
    Sector.CIVIL_SOCIETY: "Civil society",
    Sector.CITIZEN: "Citizen",
}
SECTOR_CHOICES = [app_commands.Choice(name=_(label), value=sector.value) for sector, label in SECTOR_LABELS.items()]


class ProfileCog(commands.Cog):
    profile = app_commands.Group(
        name=_("profile"),
        description=_("Your profile: who you are and where you work"),
        guild_only=True,
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @profile.command(name=_("set"), description=_("Set your sector, organisation, region and a short bio"))
    @app_commands.describe(
        sector=_("The sector you work in"),
        organisation=_("Your organisation (leave out if none)"),
        region=_("Your town or region"),
        bio=_("A few words about you (up to 500 characters)"),
    )
    @app_commands.choices(sector=SECTOR_CHOICES)
    async def profile_set(
        self,
        interaction: discord.Interaction[Bot],
        sector: app_commands.Choice[str] | None = None,
        organisation: str | None = None,
        region: str | None = None,
        bio: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            profile = await profiles.set_profile(
                session,
                interaction.guild_id,
                interaction.user.id,
                name=interaction.user.display_name,
                locale=locale,
                sector=sector.value if sector else None,
                organisation=organisation,
                region=region,
                bio=bio,
            )
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, "profile.saved"), embed=profile_embed(profile, locale))

    @profile.command(name=_("show"), description=_("Show your profile or another member's"))
    @app_commands.describe(member=_("Whose profile to show (yourself if left out)"))
    async def profile_show(self, interaction: discord.Interaction[Bot], member: discord.User | None = None) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        target = member or interaction.user
        async with self.bot.db.session() as session:
            await profiles.remember_locale(
                session, interaction.guild_id, interaction.user.id, locale, name=interaction.user.display_name
            )
            profile = await profiles.get_profile(session, interaction.guild_id, target.id)
        if profile is None:
            if target.id == interaction.user.id:
                raise UserError("profile.none_yet")
            raise UserError("profile.not_found", name=target.display_name)
        await send_ephemeral(interaction, embed=profile_embed(profile, locale))
