"""The confirm button of /privacy delete: a DynamicItem that does its own work."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import t
from bot.services import privacy
from bot.ui import locale_of, reports_errors
from cogs.privacy import render
from models import ErasureVia, Purpose

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


class StopButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"privacy:stop:(?P<guild>\d+):(?P<purpose>[a-z_]+):(?P<scope>\d+)",
):
    """Withdraw one consent with one click, on the DMs and replies that rely on it (works in DMs too)."""

    def __init__(self, guild_id: int, purpose: Purpose, scope_id: int = 0, label: str = "Stop") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.secondary,
                custom_id=f"privacy:stop:{guild_id}:{purpose.value}:{scope_id}",
            )
        )
        self.guild_id = guild_id
        self.purpose = purpose
        self.scope_id = scope_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> StopButton:
        return cls(
            int(match["guild"]), Purpose(match["purpose"]), int(match["scope"]), getattr(item, "label", None) or ""
        )

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        locale = locale_of(interaction)
        bot = interaction.client
        async with bot.db.session() as session:
            await privacy.stop(session, self.guild_id, interaction.user.id, self.purpose, scope_id=self.scope_id)
        await interaction.response.send_message(t(locale, f"privacy.stopped.{self.purpose.value}"), ephemeral=True)


def stop_button(guild_id: int, purpose: Purpose, locale: str, scope_id: int = 0) -> StopButton:
    """The one-click stop for a purpose, labelled in the member's language; add it to any view."""
    label = t(locale, f"privacy.stop.{purpose.value}") + (f" #{scope_id}" if scope_id else "")
    return StopButton(guild_id, purpose, scope_id, label)


def consents_view(guild_id: int, consents: list[tuple[Purpose, int]], locale: str) -> discord.ui.View | None:
    """One stop button per consent (at most 25, Discord's limit), or None when there is none."""
    if not consents:
        return None
    view = discord.ui.View(timeout=None)
    # An event's reminders stop with "Can't go" on its announcement (the answer is the consent).
    stoppable = [(p, s) for p, s in consents if p is not Purpose.EVENT_NOTICES]
    if not stoppable:
        return None
    for purpose, scope_id in stoppable[:25]:
        view.add_item(stop_button(guild_id, purpose, locale, scope_id))
    return view


def confirm_view(guild_id: int, user_id: int, locale: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmErase(guild_id, user_id, t(locale, "privacy.delete.button")))
    return view


DYNAMIC_ITEMS = (ConfirmErase, StopButton)
