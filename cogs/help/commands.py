"""/help (``/hulp``): every command the member may use, named as a clickable command mention.

The list is read from the command tree itself, so a new feature appears here without being
registered anywhere else. Commands that need Manage Server are shown to moderators only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.i18n import command_text
from bot.ui import is_moderator, locale_of
from cogs.help.render import HelpLine, help_embed

if TYPE_CHECKING:
    from bot.app import Bot


def _for_moderators(command: app_commands.Command | app_commands.Group) -> bool:
    node: app_commands.Command | app_commands.Group | None = command
    while node is not None:
        permissions = node.default_permissions
        if permissions is not None and (permissions.manage_guild or permissions.administrator):
            return True
        node = node.parent
    return False


def _text(locale: str, source: str) -> str:
    """Descriptions are declared in English; the catalogue has the other languages."""
    return (command_text(locale, source) if locale != "en" else None) or source


class HelpCog(commands.Cog):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @app_commands.command(name=_("help"), description=_("What you can do with Verbinder here"))
    @app_commands.guild_only()
    async def help(self, interaction: discord.Interaction[Bot]) -> None:
        locale = locale_of(interaction)
        moderator = is_moderator(interaction)
        lines: list[HelpLine] = []
        for command in self.bot.tree.walk_commands():
            if isinstance(command, app_commands.Group):
                continue
            restricted = _for_moderators(command)
            if restricted and not moderator:
                continue
            mention = await self.bot.command_mention(interaction.guild_id, command.qualified_name)
            description = _text(locale, command.description)
            lines.append(HelpLine(command.qualified_name, mention, description, restricted))
        await interaction.response.send_message(
            embed=help_embed(locale, lines), ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
