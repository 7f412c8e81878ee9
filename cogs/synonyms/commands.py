"""The /synonym commands: moderators add, list and remove a server's own synonym groups, and can
make matching forget what it learned from the server's introductions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.i18n import t
from bot.services import learning, synonyms
from bot.ui import already_stored, is_moderator, locale_of, safe, send_ephemeral
from cogs.synonyms.render import groups_embed

if TYPE_CHECKING:
    from bot.app import Bot


class SynonymsCog(commands.Cog):
    synonym = app_commands.Group(
        name=_("synonym"),
        description=_("Moderators: words that mean the same in this community"),
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @synonym.command(name=_("add"), description=_("Add a group of words that mean the same"))
    @app_commands.describe(terms=_("Words or phrases separated by commas, e.g. kringloop, tweedehands, second hand"))
    @app_commands.check(is_moderator)
    async def add(self, interaction: discord.Interaction[Bot], terms: str) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            group = await synonyms.add_group(session, interaction.guild_id, terms, created_by=interaction.user.id)
        async with already_stored(interaction):
            await send_ephemeral(
                interaction, t(locale, "synonym.added", id=group.id, terms=safe(", ".join(group.terms)))
            )

    @synonym.command(name=_("list"), description=_("Show this server's synonym groups"))
    @app_commands.check(is_moderator)
    async def list_(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            groups = await synonyms.list_groups(session, interaction.guild_id)
        if not groups:
            await send_ephemeral(interaction, t(locale, "synonym.none"))
            return
        await send_ephemeral(interaction, embed=groups_embed(groups, locale))

    @synonym.command(name=_("remove"), description=_("Remove a synonym group"))
    @app_commands.describe(group=_("The group to remove"))
    @app_commands.check(is_moderator)
    async def remove(self, interaction: discord.Interaction[Bot], group: int) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            removed = await synonyms.remove_group(session, interaction.guild_id, group)
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, "synonym.removed", terms=safe(", ".join(removed.terms))))

    @synonym.command(
        name=_("reset-learning"), description=_("Forget what matching learned from this server's introductions")
    )
    @app_commands.check(is_moderator)
    async def reset_learning(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        # Synonym groups stay: only the links learned from introductions are wiped.
        async with self.bot.db.session() as session:
            count = await learning.reset(session, interaction.guild_id)
        async with already_stored(interaction):
            if count:
                await send_ephemeral(interaction, t(locale, "synonym.learning_reset", count=count))
            else:
                await send_ephemeral(interaction, t(locale, "synonym.learning_none"))

    @remove.autocomplete("group")
    async def remove_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[int]]:
        # Autocomplete reveals the groups, so it is checked like the command itself.
        if interaction.guild_id is None or not is_moderator(interaction):
            return []
        async with self.bot.db.session() as session:
            groups = await synonyms.list_groups(session, interaction.guild_id)
        needle = current.casefold()
        return [
            app_commands.Choice(name=f"{g.id}: {', '.join(g.terms)}"[:100], value=g.id)
            for g in groups
            if needle in ", ".join(g.terms).casefold() or needle == str(g.id)
        ][:25]
