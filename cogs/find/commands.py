"""/find text [kind]: who offers this, or who needs it? A private answer with "Introduce us" buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.i18n import t
from bot.services import intros, profiles
from bot.services.find import find_members
from bot.ui import locale_of, safe
from cogs.find.render import find_embed
from cogs.introductions.buttons import IntroduceButton
from models import ItemKind

if TYPE_CHECKING:
    from bot.app import Bot

KIND_CHOICES = [
    app_commands.Choice(name=_("Who offers this"), value=ItemKind.OFFER.value),
    app_commands.Choice(name=_("Who needs this"), value=ItemKind.NEED.value),
]


class FindCog(commands.Cog, name="Find"):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    # The text is checked by the service (our own message when it is too short or too long).
    @app_commands.command(name=_("find"), description=_("Who offers this? Members whose offers fit what you look for"))
    @app_commands.describe(
        text=_("What you look for, in a few words"),
        kind=_("Members who offer it (default), or who need it: what you could give"),
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @app_commands.guild_only()
    async def find(
        self, interaction: discord.Interaction[Bot], text: str, kind: app_commands.Choice[str] | None = None
    ) -> None:
        assert interaction.guild_id is not None
        guild_id, user_id, now = interaction.guild_id, interaction.user.id, self.bot.clock()
        locale = locale_of(interaction)
        looked_for = ItemKind(kind.value) if kind else ItemKind.OFFER
        # Building the index of a large server can take a moment.
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.session() as session:
            await profiles.remember_locale(session, guild_id, user_id, locale, name=interaction.user.display_name)
            cleaned, found = await find_members(session, self.bot.matcher, guild_id, user_id, text, looked_for, now=now)
            joined = (await intros.overview(session, guild_id, user_id, now=now)).joined
        if not found:
            none = t(locale, f"find.none_{looked_for.value}", text=safe(cleaned))
            await interaction.followup.send(none, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
            return
        hint = None if joined else await self.bot.command_mention(guild_id, "intro join")
        embed = find_embed(
            locale, looked_for.value, cleaned, found, user_id, interaction.user.display_name, join_hint=hint
        )
        view = discord.ui.View(timeout=None)
        for number, member in enumerate(found, start=1):
            if not member.recent:
                view.add_item(IntroduceButton(member.user_id, t(locale, "match.button", number=number)))
        await interaction.followup.send(
            embed=embed, view=view, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    @find.autocomplete("text")
    async def text_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            terms = await profiles.community_terms(session, interaction.guild_id, current)
        return [app_commands.Choice(name=term[:100], value=term[:100]) for term in terms]
