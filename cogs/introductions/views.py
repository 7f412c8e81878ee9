"""Buttons and the outcome form of introductions.

Every button is a ``DynamicItem``: its custom id carries what it is about, so it keeps
working after a restart without any view being stored.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import t
from bot.services import intros
from bot.ui import reports_errors
from models import Met

if TYPE_CHECKING:
    from cogs.introductions.cog import IntroductionsCog


def _cog(interaction: discord.Interaction) -> IntroductionsCog:
    cog = interaction.client.get_cog("Introductions")  # type: ignore[attr-defined]
    assert cog is not None
    return cog


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=r"intro:(?P<action>accept|decline):(?P<id>\d+)"):
    def __init__(self, intro_id: int, accept: bool, locale: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=t(locale, "intro.button.accept" if accept else "intro.button.decline"),
                style=discord.ButtonStyle.success if accept else discord.ButtonStyle.secondary,
                custom_id=f"intro:{'accept' if accept else 'decline'}:{intro_id}",
            )
        )
        self.intro_id = intro_id
        self.accept = accept

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AnswerButton:
        return cls(int(match["id"]), match["action"] == "accept", "en")

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).answer(interaction, self.intro_id, accept=self.accept)


def answer_view(intro_id: int, locale: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerButton(intro_id, True, locale))
    view.add_item(AnswerButton(intro_id, False, locale))
    return view


class IntroduceButton(discord.ui.DynamicItem[discord.ui.Button], template=r"match:introduce:(?P<user>\d+)"):
    """On a /match suggestion: start a consent-first introduction with that member."""

    def __init__(self, user_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=discord.ButtonStyle.primary, custom_id=f"match:introduce:{user_id}"
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> IntroduceButton:
        return cls(int(match["user"]), item.label or "")

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).introduce(interaction, self.user_id)


MET_LABELS = {Met.YES: "intro.met.yes", Met.NOT_YET: "intro.met.not_yet", Met.NO: "intro.met.no"}


class MetButton(discord.ui.DynamicItem[discord.ui.Button], template=r"intro:met:(?P<met>yes|not_yet|no):(?P<id>\d+)"):
    def __init__(self, intro_id: int, met: Met, locale: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=t(locale, MET_LABELS[met]),
                style=discord.ButtonStyle.success if met is Met.YES else discord.ButtonStyle.secondary,
                custom_id=f"intro:met:{met.value}:{intro_id}",
            )
        )
        self.intro_id = intro_id
        self.met = met

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> MetButton:
        return cls(int(match["id"]), Met(match["met"]), "en")

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).met(interaction, self.intro_id, self.met)


def met_view(intro_id: int, locale: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for met in Met:
        view.add_item(MetButton(intro_id, met, locale))
    return view


class OutcomeModal(discord.ui.Modal):
    def __init__(self, intro_id: int, locale: str) -> None:
        super().__init__(title=t(locale, "intro.outcome.title")[:45], custom_id=f"intro:outcome:{intro_id}")
        self.intro_id = intro_id
        self.outcome: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t(locale, "intro.outcome.label")[:45],
            custom_id="outcome",
            placeholder=t(locale, "intro.outcome.placeholder")[:100],
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=intros.OUTCOME_MAX,
        )
        self.add_item(self.outcome)

    @reports_errors
    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).save_outcome(interaction, self.intro_id, self.outcome.value or "")


DYNAMIC_ITEMS = (AnswerButton, IntroduceButton, MetButton)
