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
from bot.services.value import thanks
from bot.ui import already_stored, locale_of, send_ephemeral
from cogs.profile.render import profile_embed
from cogs.value.render import value_fields
from models import Sector, Visibility

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
VISIBILITY_CHOICES = [
    app_commands.Choice(name=_("Members of this server"), value=Visibility.MEMBERS.value),
    app_commands.Choice(name=_("Only me (private)"), value=Visibility.PRIVATE.value),
]


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
        visibility=_("Who sees your profile and can be proposed to you: members, or only you"),
    )
    @app_commands.choices(sector=SECTOR_CHOICES, visibility=VISIBILITY_CHOICES)
    async def profile_set(
        self,
        interaction: discord.Interaction[Bot],
        sector: app_commands.Choice[str] | None = None,
        organisation: str | None = None,
        region: str | None = None,
        bio: str | None = None,
        visibility: app_commands.Choice[str] | None = None,
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
                visibility=visibility.value if visibility else None,
            )
        saved = t(locale, "profile.saved")
        if visibility is not None:
            saved += "\n" + t(locale, f"privacy.visibility.{profile.visibility}")
        async with already_stored(interaction):
            await send_ephemeral(interaction, saved, embed=profile_embed(profile, locale))

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
            # Another member's profile only when it is shown to others (joined, not private, still here).
            profile = await profiles.get_profile(
                session, interaction.guild_id, target.id, viewer_id=interaction.user.id
            )
            own = target.id == interaction.user.id
            value = None
            if profile is not None:
                # Thanks and time credits; your own view also tells you about thanks you did not hear of.
                value = await thanks.profile_summary(
                    session, interaction.guild_id, target.id, own=own, now=self.bot.clock()
                )
        if profile is None:
            if target.id == interaction.user.id:
                raise UserError("profile.none_yet")
            raise UserError("profile.not_found", name=target.display_name)
        extra = value_fields(locale, value) if value is not None else []
        await send_ephemeral(interaction, embed=profile_embed(profile, locale, extra))
