"""Buttons, the slot menu and the forms of events.

Buttons and the slot menu are ``DynamicItem``s: the custom id carries the event (and what to do),
so they keep working after a restart without any stored view. The forms (modals) are answered
right after they are shown; the description form of ``/event create`` holds the validated
draft until it is submitted.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import discord

from bot.errors import UserError
from bot.i18n import t
from bot.services.events import DESCRIPTION_MAX, Draft, Edit
from bot.services.experts import QUESTION_MAX
from bot.ui import reports_errors
from models import Event, EventKind, RsvpStatus

RSVP_STYLES = {
    RsvpStatus.GOING: discord.ButtonStyle.success,
    RsvpStatus.MAYBE: discord.ButtonStyle.primary,
    RsvpStatus.NOT_GOING: discord.ButtonStyle.secondary,
}
RELEASE = "release"


def _actions() -> Any:
    from cogs.events import actions

    return actions


class RsvpButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"event:(?P<status>going|maybe|not_going):(?P<id>\d+)"
):
    def __init__(self, event_id: int, status: RsvpStatus, locale: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=t(locale, f"event.button.{status.value}"),
                style=RSVP_STYLES[status],
                custom_id=f"event:{status.value}:{event_id}",
            )
        )
        self.event_id = event_id
        self.status = status

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> RsvpButton:
        return cls(int(match["id"]), RsvpStatus(match["status"]), "en")

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _actions().rsvp(interaction, self.event_id, self.status)


class AskButton(discord.ui.DynamicItem[discord.ui.Button], template=r"event:ask:(?P<id>\d+)"):
    def __init__(self, event_id: int, locale: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=t(locale, "event.button.ask"),
                style=discord.ButtonStyle.secondary,
                custom_id=f"event:ask:{event_id}",
            )
        )
        self.event_id = event_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> AskButton:
        return cls(int(match["id"]), "en")

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _actions().open_question_form(interaction, self.event_id)


class SlotsButton(discord.ui.DynamicItem[discord.ui.Button], template=r"event:slots:(?P<id>\d+)"):
    def __init__(self, event_id: int, locale: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=t(locale, "event.button.slots"),
                style=discord.ButtonStyle.secondary,
                custom_id=f"event:slots:{event_id}",
            )
        )
        self.event_id = event_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SlotsButton:
        return cls(int(match["id"]), "en")

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _actions().show_slots(interaction, self.event_id)


class SlotSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"event:book:(?P<id>\d+)"):
    """Values are slot start times as Unix seconds, or ``release`` to give a booking back."""

    def __init__(self, event_id: int, options: list[discord.SelectOption] | None = None, placeholder: str = "") -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"event:book:{event_id}",
                options=options or [discord.SelectOption(label="-", value=RELEASE)],
                placeholder=placeholder[:150] or None,
            )
        )
        self.event_id = event_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> SlotSelect:
        return cls(int(match["id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        value = str((interaction.data or {}).get("values", [RELEASE])[0])  # type: ignore[union-attr]
        if value != RELEASE and not value.isdigit():
            raise UserError("slot.unknown")
        at = None if value == RELEASE else datetime.fromtimestamp(int(value), UTC)
        await _actions().book_slot(interaction, self.event_id, at)


class InviteButton(discord.ui.DynamicItem[discord.ui.Button], template=r"event:invite:(?P<id>\d+):(?P<user>\d+)"):
    """On the moderator's private list of suggested experts: make that member an expert of the session."""

    def __init__(self, event_id: int, user_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=discord.ButtonStyle.primary, custom_id=f"event:invite:{event_id}:{user_id}"
            )
        )
        self.event_id = event_id
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> InviteButton:
        return cls(int(match["id"]), int(match["user"]), item.label or "")

    @reports_errors
    async def callback(self, interaction: discord.Interaction) -> None:
        await _actions().invite_expert(interaction, self.event_id, self.user_id)


def announcement_view(event: Event, locale: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for status in RSVP_STYLES:
        view.add_item(RsvpButton(event.id, status, locale))
    if event.kind == EventKind.EXPERT_SESSION.value:
        view.add_item(AskButton(event.id, locale))
        if event.slot_minutes:
            view.add_item(SlotsButton(event.id, locale))
    return view


def invite_view(event_id: int, people: list[tuple[int, str]], locale: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for user_id, name in people[:20]:
        view.add_item(InviteButton(event_id, user_id, t(locale, "event.invite_button", name=name)))
    return view


def _paragraph(locale: str, key: str, limit: int, default: str | None = None) -> discord.ui.TextInput[Any]:
    return discord.ui.TextInput(
        label=t(locale, f"{key}.label")[:45],
        custom_id="text",
        placeholder=t(locale, f"{key}.placeholder")[:100],
        style=discord.TextStyle.paragraph,
        max_length=limit,
        default=default,
    )


class DescriptionModal(discord.ui.Modal):
    """The last step of ``/event create``: the description; submitting it creates everything."""

    def __init__(self, draft: Draft, locale: str) -> None:
        super().__init__(title=t(locale, "event.modal.title")[:45])
        self.draft = draft
        self.text = _paragraph(locale, "event.modal", DESCRIPTION_MAX)
        self.add_item(self.text)

    @reports_errors
    async def on_submit(self, interaction: discord.Interaction) -> None:
        from cogs.events import manage

        await manage.create(interaction, self.draft, self.text.value or "")


class EditDescriptionModal(discord.ui.Modal):
    """``/event edit … description: True``: the current description to change; other changes ride along."""

    def __init__(self, edit: Edit, current: str, locale: str) -> None:
        super().__init__(title=t(locale, "event.edit_modal.title")[:45])
        self.edit = edit
        self.text = _paragraph(locale, "event.modal", DESCRIPTION_MAX, default=current[:DESCRIPTION_MAX])
        self.add_item(self.text)

    @reports_errors
    async def on_submit(self, interaction: discord.Interaction) -> None:
        from cogs.events import manage

        await manage.apply(interaction, self.edit, description=self.text.value or "")


class QuestionModal(discord.ui.Modal):
    def __init__(self, event_id: int, locale: str) -> None:
        super().__init__(title=t(locale, "question.modal_title")[:45])
        self.event_id = event_id
        self.text = _paragraph(locale, "question.modal", QUESTION_MAX)
        self.add_item(self.text)

    @reports_errors
    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _actions().save_question(interaction, self.event_id, self.text.value or "")


DYNAMIC_ITEMS = (RsvpButton, AskButton, SlotsButton, SlotSelect, InviteButton)
