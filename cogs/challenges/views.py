"""Buttons and the description form of challenges.

Join, Leave and Invite are ``DynamicItem`` buttons: the custom id carries the challenge (and
the member to invite), so they keep working after a restart without any stored view.
The description modal lives only while the moderator types (its draft is in memory).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.i18n import t
from bot.services.challenges import DESCRIPTION_MAX, Draft, Fit
from bot.ui import reports_errors

if TYPE_CHECKING:
    from cogs.challenges.cog import ChallengesCog

MODAL_TIMEOUT = 30 * 60


def _cog(interaction: discord.Interaction) -> ChallengesCog:
    cog = interaction.client.get_cog("Challenges")  # type: ignore[attr-defined]
    assert cog is not None
    return cog


class JoinButton(discord.ui.DynamicItem[discord.ui.Button], template=r"challenge:join:(?P<id>\d+)"):
    """On the post, on an invitation DM, and on a mention in the challenge thread."""

    def __init__(self, challenge_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=discord.ButtonStyle.success, custom_id=f"challenge:join:{challenge_id}"
            )
        )
        self.challenge_id = challenge_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> JoinButton:
        return cls(int(match["id"]), item.label or "")

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).change_team(interaction, self.challenge_id, join=True)


class LeaveButton(discord.ui.DynamicItem[discord.ui.Button], template=r"challenge:leave:(?P<id>\d+)"):
    def __init__(self, challenge_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=discord.ButtonStyle.secondary, custom_id=f"challenge:leave:{challenge_id}"
            )
        )
        self.challenge_id = challenge_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> LeaveButton:
        return cls(int(match["id"]), item.label or "")

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).change_team(interaction, self.challenge_id, join=False)


class InviteButton(discord.ui.DynamicItem[discord.ui.Button], template=r"challenge:invite:(?P<id>\d+):(?P<user>\d+)"):
    """On the moderator's private skill-fit proposal: invite that member (moderators only)."""

    def __init__(self, challenge_id: int, user_id: int, label: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.primary,
                custom_id=f"challenge:invite:{challenge_id}:{user_id}",
                disabled=disabled,
            )
        )
        self.challenge_id = challenge_id
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> InviteButton:
        return cls(int(match["id"]), int(match["user"]), item.label or "")

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).invite(interaction, self.challenge_id, self.user_id)


def post_view(challenge_id: int, locale: str, *, finished: bool) -> discord.ui.View | None:
    """Join and Leave; none once the challenge is done or closed."""
    if finished:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(JoinButton(challenge_id, t(locale, "challenge.button.join")))
    view.add_item(LeaveButton(challenge_id, t(locale, "challenge.button.leave")))
    return view


def join_view(challenge_id: int, locale: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(JoinButton(challenge_id, t(locale, "challenge.button.join")))
    return view


def invite_view(challenge_id: int, fits: Sequence[Fit], locale: str) -> discord.ui.View | None:
    if not fits:
        return None
    view = discord.ui.View(timeout=None)
    for number, fit in enumerate(fits, start=1):
        label = t(locale, "challenge.fit.button", number=number)
        view.add_item(InviteButton(challenge_id, fit.user_id, label, disabled=fit.invited))
    return view


class DescriptionModal(discord.ui.Modal):
    """The last step of /challenge post: the description, up to 2,000 characters."""

    def __init__(self, draft: Draft, locale: str) -> None:
        super().__init__(
            title=t(locale, "challenge.modal.title", title=draft.title)[:45],
            custom_id="challenge:post",
            timeout=MODAL_TIMEOUT,
        )
        self.draft = draft
        self.description: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t(locale, "challenge.modal.label")[:45],
            custom_id="description",
            placeholder=t(locale, "challenge.modal.placeholder")[:100],
            style=discord.TextStyle.paragraph,
            required=True,
            max_length=DESCRIPTION_MAX,
        )
        self.add_item(self.description)

    @reports_errors
    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).create(interaction, self.draft, self.description.value or "")


DYNAMIC_ITEMS = (JoinButton, LeaveButton, InviteButton)
