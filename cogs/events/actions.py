"""What members do on an announcement: answer (Going / Maybe / Can't go), ask the experts a
question, book a slot; and the moderator's "Invite" on a suggested expert."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.errors import UserError
from bot.i18n import t
from bot.services import events, experts, guilds, profiles
from bot.ui import is_moderator, locale_of, safe, send_ephemeral
from cogs.events import delivery, render
from cogs.events.announce import refresh_announcement
from cogs.events.views import RELEASE, QuestionModal, SlotSelect
from models import Event, EventKind, EventStatus, RsvpStatus

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)


def _lock(bot: Bot) -> contextlib.AbstractAsyncContextManager[object]:
    """RSVPs of one bot are applied one at a time, so a capacity is never exceeded."""
    cog = bot.get_cog("Events")
    return cog.rsvp_lock if cog is not None else contextlib.nullcontext()  # type: ignore[attr-defined, return-value]


async def rsvp(interaction: discord.Interaction, event_id: int, status: RsvpStatus) -> None:
    bot: Bot = interaction.client  # type: ignore[assignment]
    assert interaction.guild_id is not None
    locale = locale_of(interaction)
    async with _lock(bot), bot.db.session() as session:
        await profiles.remember_locale(session, interaction.guild_id, interaction.user.id, locale)
        result = await events.rsvp(
            session, interaction.guild_id, event_id, interaction.user.id, status.value, bot.clock()
        )
        title = (await events.get_event(session, interaction.guild_id, event_id)).title
    if not result.changed:
        key = "event.rsvp.still_waiting" if result.status == RsvpStatus.WAITLIST.value else "event.rsvp.unchanged"
        reply = t(
            locale, key, title=safe(title), position=result.position, status=render.status_label(locale, result.status)
        )
    else:
        reply = t(locale, f"event.rsvp.{result.status}", title=safe(title), position=result.position)
    await send_ephemeral(interaction, reply)
    if result.changed:
        await refresh_announcement(bot, event_id)
    if result.promoted:
        await tell_promoted(bot, event_id, result.promoted)


async def tell_promoted(bot: Bot, event_id: int, user_ids: tuple[int, ...]) -> None:
    """By DM (the member asked for it by joining the waitlist); the events channel if DMs are closed."""
    async with bot.db.session() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        settings = await guilds.get_settings(session, event.guild_id)
        locales = await events.member_locales(session, event.guild_id, user_ids)
    default = bot.settings.default_locale
    closed = []
    for user_id in user_ids:
        locale = locales.get(user_id) or default
        text = t(
            locale, "event.promoted", title=safe(event.title), when=render.ts(event.starts_at), link=render.link(event)
        )
        if await delivery.dm(bot, user_id, content=text) is None:
            closed.append(user_id)
    if closed:
        await delivery.post(
            bot,
            settings.events_channel_id,
            t(default, "event.promoted_channel", title=safe(event.title), link=render.link(event)),
            mention=closed,
        )


# --- questions for the experts -----------------------------------------------------------------------


async def open_question_form(interaction: discord.Interaction, event_id: int) -> None:
    bot: Bot = interaction.client  # type: ignore[assignment]
    assert interaction.guild_id is not None
    async with bot.db.session() as session:
        event = await events.get_event(session, interaction.guild_id, event_id)
        if event.kind != EventKind.EXPERT_SESSION:
            raise UserError("question.not_a_session", title=event.title)
        if event.status != EventStatus.SCHEDULED.value:
            raise UserError("event.is_cancelled", title=event.title)
        if bot.clock() >= experts.questions_close(event):
            raise UserError("question.closed", title=event.title)
    await interaction.response.send_modal(QuestionModal(event_id, locale_of(interaction)))


async def save_question(interaction: discord.Interaction, event_id: int, text: str) -> None:
    bot: Bot = interaction.client  # type: ignore[assignment]
    assert interaction.guild_id is not None
    locale = locale_of(interaction)
    async with bot.db.session() as session:
        await profiles.remember_locale(session, interaction.guild_id, interaction.user.id, locale)
        count = await experts.ask(session, interaction.guild_id, event_id, interaction.user.id, text, bot.clock())
        event = await events.get_event(session, interaction.guild_id, event_id)
    await send_ephemeral(
        interaction,
        t(
            locale,
            "question.saved",
            title=safe(event.title),
            count=count,
            max=experts.QUESTIONS_PER_MEMBER,
            close=render.ts(experts.questions_close(event)),
        ),
    )


# --- slots --------------------------------------------------------------------------------------------


async def show_slots(interaction: discord.Interaction, event_id: int) -> None:
    bot: Bot = interaction.client  # type: ignore[assignment]
    assert interaction.guild_id is not None
    locale = locale_of(interaction)
    async with bot.db.session() as session:
        view = await experts.slot_view(session, interaction.guild_id, event_id, interaction.user.id, bot.clock())
        event = await events.get_event(session, interaction.guild_id, event_id)
        tz = guilds.zone(await guilds.get_settings(session, interaction.guild_id), bot.settings.timezone)
    minutes = event.slot_minutes or 0
    if not view.free and view.mine is None:
        raise UserError("slot.full", title=event.title)
    options = [
        discord.SelectOption(label=render.slot_label(at, minutes, tz), value=str(int(at.timestamp())))
        for at in view.free[:24]
    ]
    lines = [t(locale, "slot.pick", title=safe(event.title), minutes=minutes)]
    if view.mine is not None:
        lines.append(t(locale, "slot.current", when=render.ts(view.mine)))
        options.append(discord.SelectOption(label=t(locale, "slot.release_option")[:100], value=RELEASE))
    menu = discord.ui.View(timeout=None)
    menu.add_item(SlotSelect(event_id, options, t(locale, "slot.placeholder")))
    await send_ephemeral(interaction, "\n".join(lines), view=menu)


async def book_slot(interaction: discord.Interaction, event_id: int, at: datetime | None) -> None:
    bot: Bot = interaction.client  # type: ignore[assignment]
    assert interaction.guild_id is not None
    locale = locale_of(interaction)
    async with bot.db.session() as session:
        title = (await events.get_event(session, interaction.guild_id, event_id)).title
        if at is None:
            await experts.release(session, interaction.guild_id, event_id, interaction.user.id)
            reply = t(locale, "slot.released", title=safe(title))
        else:
            await experts.book(session, interaction.guild_id, event_id, interaction.user.id, at, bot.clock())
            reply = t(locale, "slot.booked", title=safe(title), when=render.ts(at))
    await interaction.response.edit_message(content=reply, view=None, allowed_mentions=delivery.NO_PINGS)
    await refresh_announcement(bot, event_id)


# --- experts ---------------------------------------------------------------------------------------------


async def invite_expert(interaction: discord.Interaction, event_id: int, user_id: int) -> None:
    bot: Bot = interaction.client  # type: ignore[assignment]
    assert interaction.guild_id is not None
    if not is_moderator(interaction):
        raise UserError("errors.not_allowed")
    locale = locale_of(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    async with bot.db.session() as session:
        added = await experts.add_to_session(session, interaction.guild_id, event_id, user_id, bot.clock())
        event = await events.get_event(session, interaction.guild_id, event_id)
        member = await profiles.get_member(session, interaction.guild_id, user_id)
        session.expunge(event)
    name = safe(member.name if member else str(user_id))
    if not added:
        await send_ephemeral(interaction, t(locale, "event.already_expert", name=name, title=safe(event.title)))
        return
    reached = await tell_expert(bot, event, user_id, member.locale if member else None)
    key = "event.invited" if reached else "event.invited_no_dm"
    await send_ephemeral(interaction, t(locale, key, name=name, title=safe(event.title)))
    await refresh_announcement(bot, event_id)


async def tell_expert(bot: Bot, event: Event, user_id: int, locale: str | None) -> bool:
    """Registering as an expert is consent to be invited by DM; True when the DM arrived."""
    async with bot.db.session() as session:
        fresh = await session.get(Event, event.id)
    shown = fresh or event
    text = t(
        locale or bot.settings.default_locale,
        "event.expert_dm",
        title=safe(shown.title),
        when=render.ts(shown.starts_at),
        topics=safe(", ".join(render.topics_of(shown))),
        link=render.link(shown),
    )
    return await delivery.dm(bot, user_id, content=text) is not None
