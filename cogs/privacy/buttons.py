"""The confirm button of /privacy delete: a DynamicItem that does its own work."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import t
from bot.services import privacy
from bot.ui import locale_of, reports_errors
from cogs.privacy import render
from models import ErasureVia

if TYPE_CHECKING:
    from bot.app import Bot


class ConfirmErase(discord.ui.DynamicItem[discord.ui.Button], template=r"privacy:erase:(?P<guild>\d+):(?P<user>\d+)"):
    """Erase everything that names the member in the server; only the member themselves can press it."""

    def __init__(self, guild_id: int, user_id: int, label: str = "Erase") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=discord.ButtonStyle.danger, custom_id=f"privacy:erase:{guild_id}:{user_id}"
            )
        )
        self.guild_id = guild_id
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ConfirmErase:
        return cls(int(match["guild"]), int(match["user"]), getattr(item, "label", None) or "")

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        locale = locale_of(interaction)
        if interaction.user.id != self.user_id or interaction.guild_id != self.guild_id:
            await interaction.response.send_message(t(locale, "errors.not_allowed"), ephemeral=True)
            return
        bot = interaction.client
        async with bot.db.session() as session:
            touched = await privacy.erase_member(
                session, self.guild_id, self.user_id, via=ErasureVia.MEMBER, now=bot.clock()
            )
        await interaction.response.edit_message(content=render.erased_text(locale, touched), view=None)


def confirm_view(guild_id: int, user_id: int, locale: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmErase(guild_id, user_id, t(locale, "privacy.delete.button")))
    return view


DYNAMIC_ITEMS = (ConfirmErase,)
