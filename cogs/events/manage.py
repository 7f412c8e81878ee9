"""Creating, editing and cancelling an event: the database row, the native Discord event and
the announcement move together.

Create: everything is validated first; then the native event is created, then the row is
inserted (with its announcement notice); if the insert fails the native event is deleted, so a
failure of either leaves neither. Edit: validated, then the native event is edited, then the row;
if storing fails the native event gets its old values back.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.errors import UserError
from bot.i18n import t
from bot.services import events, experts, guilds, profiles
from bot.text import clean
from bot.ui import is_moderator, locale_of, safe, send_ephemeral
from cogs.events import announce, delivery, render
from cogs.events.actions import tell_expert, tell_promoted
from cogs.events.announce import NativeSpec, refresh_announcement
from cogs.events.views import invite_view
from models import EventKind, RsvpStatus

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)

REASON_MAX = 300
SUGGESTIONS = 5


def _moderator(interaction: discord.Interaction) -> None:
    """Forms are checked like the commands that opened them (permissions can change in between)."""
    if not is_moderator(interaction):
        raise UserError("errors.not_allowed")


def _audit(interaction: discord.Interaction, action: str) -> str:
    return f"Verbinder: /event {action} by {interaction.user} ({interaction.user.id})"


async def create(interaction: discord.Interaction, draft: events.Draft, text: str) -> None:
    """The description form was submitted: create the native event, the row and the announcement."""
    bot: Bot = interaction.client  # type: ignore[assignment]
    locale = locale_of(interaction)
    _moderator(interaction)
    description = events.clean_description(text)
    await interaction.response.defer(ephemeral=True, thinking=True)
    now = bot.clock()
    async with bot.db.session() as session:
        settings = await guilds.get_settings(session, draft.guild_id)
        tz = guilds.zone(settings, bot.settings.timezone)
        channel_id = settings.events_channel_id
    if channel_id is None or await delivery.text_channel(bot, channel_id) is None:
        raise UserError("event.no_channel")
    if draft.starts_at <= now:  # the form stayed open past the start
        raise UserError("event.past", value=f"{draft.starts_at.astimezone(tz):%Y-%m-%d %H:%M}")
    spec = NativeSpec(
        draft.title, description, draft.starts_at, draft.ends_at, draft.location, draft.location_channel_id
    )
    native = await announce.create_native(bot, draft.guild_id, spec, reason=_audit(interaction, "create"))
    try:
        async with bot.db.session() as session:
            event = await events.insert_event(
                session,
                draft,
                description=description,
                native_event_id=native.id,
                channel_id=channel_id,
                now=now,
                tz=tz,
            )
            event_id = event.id
    except BaseException:
        await announce.delete_native(native, reason=_audit(interaction, "create (undone)"))
        raise
    await refresh_announcement(bot, event_id)
    async with bot.db.session() as session:
        event = await events.get_event(session, draft.guild_id, event_id)
        fits = (
            await experts.fitting(
                session, draft.guild_id, draft.topics, exclude=set(draft.expert_ids), limit=SUGGESTIONS
            )
            if draft.kind == EventKind.EXPERT_SESSION
            else []
        )
        invited = [(u, await profiles.get_member(session, draft.guild_id, u)) for u in draft.expert_ids]
        session.expunge(event)
    lines = [
        t(
            locale,
            "event.created" if event.announcement_message_id else "event.created_no_post",
            title=safe(event.title),
            when=render.when(event),
            channel=f"<#{channel_id}>",
            link=render.link(event),
        )
    ]
    for user_id, member in invited:
        reached = await tell_expert(bot, event, user_id, member.locale if member else None)
        name = safe(member.name if member else str(user_id))
        lines.append(
            t(locale, "event.invited" if reached else "event.invited_no_dm", name=name, title=safe(event.title))
        )
    if draft.kind == EventKind.EXPERT_SESSION:
        lines.append(t(locale, "event.suggestions" if fits else "event.no_suggestions"))
        for fit in fits:
            assert fit.best is not None
            lines.append(
                t(
                    locale,
                    "event.suggestion_line",
                    name=safe(fit.name),
                    topics=safe(", ".join(fit.topics)),
                    wanted=safe(fit.best[1]),
                    score=f"{fit.score:.0f}",
                )
            )
    kwargs = {"view": invite_view(event_id, [(f.user_id, f.name) for f in fits], locale)} if fits else {}
    await interaction.followup.send(
        "\n".join(lines)[:2000], ephemeral=True, allowed_mentions=delivery.NO_PINGS, **kwargs
    )


async def apply(interaction: discord.Interaction, edit: events.Edit, *, description: str | None = None) -> None:
    """Store a validated edit (from ``/event edit`` or its description form)."""
    bot: Bot = interaction.client  # type: ignore[assignment]
    assert interaction.guild_id is not None
    guild_id = interaction.guild_id
    locale = locale_of(interaction)
    _moderator(interaction)
    if description is not None:
        edit.description = events.clean_description(description)
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)
    now = bot.clock()
    async with bot.db.session() as session:
        settings = await guilds.get_settings(session, guild_id)
        tz = guilds.zone(settings, bot.settings.timezone)
        event = await events.get_event(session, guild_id, edit.event_id)
        # Checked again: the form may have stayed open while the event started or was cancelled.
        events.ensure_editable(event, now)
        if edit.starts_at is not None and edit.starts_at <= now:
            raise UserError("event.past", value=f"{edit.starts_at.astimezone(tz):%Y-%m-%d %H:%M}")
        old = NativeSpec.of(event)
        native_id = event.native_event_id
    new = NativeSpec(
        edit.title or old.title,
        edit.description if edit.description is not None else old.description,
        edit.starts_at or old.starts_at,
        edit.ends_at or old.ends_at,
        edit.location if edit.place_changed else old.location,
        edit.location_channel_id if edit.place_changed else old.channel_id,
    )
    await announce.edit_native(bot, guild_id, native_id, new, reason=_audit(interaction, "edit"))
    try:
        async with bot.db.session() as session:
            promoted = await events.apply_edit(session, guild_id, edit, now=now, tz=tz)
    except BaseException:
        try:
            await announce.edit_native(bot, guild_id, native_id, old, reason=_audit(interaction, "edit (undone)"))
        except UserError:
            log.exception("could not restore native event %s", native_id)
        raise
    await refresh_announcement(bot, edit.event_id)
    if promoted:
        await tell_promoted(bot, edit.event_id, promoted)
    told = 0
    if edit.time_changed or edit.place_changed:
        told = await _tell_change(bot, guild_id, edit.event_id)
    async with bot.db.session() as session:
        event = await events.get_event(session, guild_id, edit.event_id)
    await send_ephemeral(
        interaction, t(locale, "event.edited", title=safe(event.title), told=told, link=render.link(event))
    )


async def _tell_change(bot: Bot, guild_id: int, event_id: int) -> int:
    async with bot.db.session() as session:
        event = await events.get_event(session, guild_id, event_id)
        people = await events.recipients(session, event, (RsvpStatus.GOING.value, RsvpStatus.MAYBE.value))
        session.expunge(event)

    def text(locale: str) -> str:
        return t(
            locale,
            "event.changed_dm",
            title=safe(event.title),
            when=render.when(event),
            where=render.where(event),
            link=render.link(event),
        )

    reached, _closed = await delivery.dm_consenting(bot, people, text, bot.settings.default_locale)
    return len(reached)


def clean_reason(text: str | None) -> str:
    reason = clean(text)
    if len(reason) > REASON_MAX:
        raise UserError("event.reason_too_long", max=REASON_MAX, length=len(reason))
    return reason


async def cancel(interaction: discord.Interaction, event_id: int, reason_text: str | None) -> None:
    """Cancel: the row first (so nothing more is scheduled), then the native event, the announcement,
    and the members who said Going or Maybe (or wait for a place)."""
    bot: Bot = interaction.client  # type: ignore[assignment]
    assert interaction.guild_id is not None
    locale = locale_of(interaction)
    reason = clean_reason(reason_text)
    await interaction.response.defer(ephemeral=True, thinking=True)
    statuses = (RsvpStatus.GOING.value, RsvpStatus.MAYBE.value, RsvpStatus.WAITLIST.value)
    async with bot.db.session() as session:
        event = await events.cancel(session, interaction.guild_id, event_id, bot.clock())
        people = await events.recipients(session, event, statuses)
        settings = await guilds.get_settings(session, interaction.guild_id)
        session.expunge(event)
    await announce.cancel_native(bot, event.guild_id, event.native_event_id, reason=_audit(interaction, "cancel"))
    await refresh_announcement(bot, event_id)

    def text(key: str, lang: str) -> str:
        because = t(lang, "event.cancel.reason", reason=safe(reason)) if reason else ""
        return t(lang, key, title=safe(event.title), when=render.ts(event.starts_at), reason=because).strip()

    default = bot.settings.default_locale
    reached, closed = await delivery.dm_consenting(bot, people, lambda lang: text("event.cancel.dm", lang), default)
    await delivery.post(bot, settings.events_channel_id, text("event.cancel.post", default), mention=closed)
    await send_ephemeral(
        interaction, t(locale, "event.cancelled", title=safe(event.title), told=len(reached), answered=len(people))
    )
