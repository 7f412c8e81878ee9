"""Buttons and the outcome form of introductions.

Every button is a ``DynamicItem``: its custom id carries what it is about, so it keeps working after
a restart without any view being stored. Each does its work in its own ``callback`` with the bot's
shared resources (``interaction.client``). What has to be sent afterwards without an interaction
(proposals, a connection thread) is announced with ``bot.dispatch`` and sent by the cog's listeners:

- ``intro_requested(guild_id)``: a member asked for an introduction; its proposals are due.
- ``intro_connected(intro_id)``: both said yes; the connection thread is due.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import UserError
from bot.i18n import t
from bot.services import guilds, intros, rounds
from bot.ui import already_stored, locale_of, reports_errors, safe, send_ephemeral
from models import Met

if TYPE_CHECKING:
    from bot.app import Bot


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=r"intro:(?P<action>accept|decline):(?P<id>\d+)"):
    """On a proposal: accept or decline. One answer per member; a "no" is never passed on."""

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
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        return cls(int(match["id"]), match["action"] == "accept", "en")

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        bot = interaction.client
        locale = locale_of(interaction)
        async with bot.db.session() as session:
            result = await intros.answer(
                session, self.intro_id, interaction.user.id, accept=self.accept, now=bot.clock(), locale=locale
            )
            other = intros.other_party(result.intro, interaction.user.id).member.name
        async with already_stored(interaction):
            # The reply replaces the buttons on the proposal: one answer per member.
            await interaction.response.edit_message(
                content=t(locale, f"intro.answer.{result.outcome}", other=safe(other)),
                embed=None,
                view=None,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        if result.outcome == "connected":
            bot.dispatch("intro_connected", self.intro_id)


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
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> IntroduceButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(int(match["user"]), label or "")

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        bot = interaction.client
        locale = locale_of(interaction)
        async with bot.db.session() as session:
            settings = await guilds.get_settings(session, interaction.guild_id)
            if settings.intro_channel_id is None:
                raise UserError("intro.no_channel")
            suggestion = await bot.matcher.pair(session, interaction.guild_id, interaction.user.id, self.user_id)
            await intros.propose(
                session,
                interaction.guild_id,
                interaction.user.id,
                self.user_id,
                score=suggestion.score if suggestion else 0.0,
                reasons=suggestion.reasons if suggestion else [],
                now=bot.clock(),
                history=rounds.history(settings),
                requested_by=interaction.user.id,
            )
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, "match.requested"))
        bot.dispatch("intro_requested", interaction.guild_id)


MET_LABELS = {Met.YES: "intro.met.yes", Met.NOT_YET: "intro.met.not_yet", Met.NO: "intro.met.no"}


class MetButton(discord.ui.DynamicItem[discord.ui.Button], template=r"intro:met:(?P<met>yes|not_yet|no):(?P<id>\d+)"):
    """A week after connecting: "Did you meet?". A "yes" opens the outcome form."""

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
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> MetButton:
        return cls(int(match["id"]), Met(match["met"]), "en")

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        locale = locale_of(interaction)
        async with interaction.client.db.session() as session:
            await intros.record_met(session, self.intro_id, interaction.user.id, self.met)
        async with already_stored(interaction):
            if self.met is Met.YES:
                await interaction.response.send_modal(OutcomeModal(self.intro_id, locale))
                return
            thanks = t(locale, f"intro.met.thanks_{self.met.value}")
            if interaction.guild_id is None:
                await interaction.response.edit_message(content=thanks, view=None)
            else:
                # In the shared thread the other member must not read this answer.
                await send_ephemeral(interaction, thanks)


def met_view(intro_id: int, locale: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for met in Met:
        view.add_item(MetButton(intro_id, met, locale))
    return view


class OutcomeModal(discord.ui.Modal):
    """What came of an introduction (optional), asked after a "Yes"."""

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
    async def on_submit(self, interaction: discord.Interaction[Bot], /) -> None:
        locale = locale_of(interaction)
        async with interaction.client.db.session() as session:
            await intros.record_outcome(session, self.intro_id, interaction.user.id, self.outcome.value or "")
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, "intro.outcome.saved"))


DYNAMIC_ITEMS = (AnswerButton, IntroduceButton, MetButton)
