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
from bot.ui import locale_of, safe, send_ephemeral
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
FIELD_LIMIT = 1024


def list_fields(embed: discord.Embed, title: str, items: list[str], empty: str) -> None:
    """Add a bulleted list as one or more fields, each within Discord's 1024-character limit."""
    lines = [f"• {safe(item)}" for item in items] or [empty]
    chunk: list[str] = []
    name = title
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > FIELD_LIMIT:
            embed.add_field(name=name, value="\n".join(chunk), inline=False)
            chunk, name = [], "\u200b"
        chunk.append(line)
    embed.add_field(name=name, value="\n".join(chunk), inline=False)


def profile_embed(profile: profiles.Profile, locale: str) -> discord.Embed:
    dash = "—"
    sector = t(locale, f"sector.{profile.sector}") if profile.sector else dash
    embed = discord.Embed(title=safe(profile.name) or str(profile.user_id), description=safe(profile.bio) or None)
    embed.add_field(name=t(locale, "profile.field.sector"), value=sector)
    embed.add_field(name=t(locale, "profile.field.organisation"), value=safe(profile.organisation) or dash)
    embed.add_field(name=t(locale, "profile.field.region"), value=safe(profile.region) or dash)
    list_fields(embed, t(locale, "profile.field.offers"), profile.offers, t(locale, "profile.none"))
    list_fields(embed, t(locale, "profile.field.needs"), profile.needs, t(locale, "profile.none"))
    return embed


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
    @app_commands.rename(sector=_("sector"), organisation=_("organisation"), region=_("region"), bio=_("bio"))
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
        await send_ephemeral(interaction, t(locale, "profile.saved"), embed=profile_embed(profile, locale))

    @profile.command(name=_("show"), description=_("Show your profile or another member's"))
    @app_commands.describe(member=_("Whose profile to show (yourself if left out)"))
    @app_commands.rename(member=_("member"))
    async def profile_show(self, interaction: discord.Interaction[Bot], member: discord.User | None = None) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        target = member or interaction.user
        async with self.bot.db.session() as session:
            await profiles.remember_locale(session, interaction.guild_id, interaction.user.id, locale)
            profile = await profiles.get_profile(session, interaction.guild_id, target.id)
        if profile is None:
            if target.id == interaction.user.id:
                raise UserError("profile.none_yet")
            raise UserError("profile.not_found", name=target.display_name)
        await send_ephemeral(interaction, embed=profile_embed(profile, locale))


async def setup(bot: Bot) -> None:
    await bot.add_cog(ProfileCog(bot))
