"""What members and moderators do on the event messages: the announcement's buttons, the slot
menu, the moderator's "Invite" and the forms; and the announcement itself, which carries them.

Buttons and the slot menu are ``DynamicItem``s: the custom id carries the event (and what to do),
so they keep working after a restart without any stored view. Each does its work in its own
``callback`` with the bot's shared resources (``interaction.client``): the database, the clock,
one lock per event while its seats are counted. The forms (modals) are answered right after they
are shown; the description form of ``/event create`` holds the validated draft until it is
submitted, and every moderator form checks the member's rights again when it is submitted.

Creating and editing an event follow ``bot.messaging.post_then_store``: validate and read in a
short unit of work; create or edit the native event with no session open; store in a unit of
work of its own; take the native change back when storing fails.

Who is told how (DMs only to members who consented):

* Answering Going or Maybe (or waiting for a place) is consent to this event's notices by DM,
  whether or not the member joined introductions; the reply to the click says so, and that
  "Can't go" stops them. "Interested" on the native Discord event counts as Maybe.
* A member promoted from the waitlist is told by DM; if their DMs are closed, the events channel
  mentions that one member.
* An expert invited to a session is told by DM (registering as an expert is that consent).
* When the time or place changes, Going, Maybe and the waitlist are told by DM, and the events
  channel once (mentioning only those whose DMs are closed).

Public posts (the announcement, notices in the events channel) are in the server's language
(``guilds.language``); replies and DMs in the reader's.
* Nobody who left the server is told or mentioned: membership is checked right before each DM.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord

from bot import messaging
from bot.errors import UserError
from bot.i18n import t
from bot.membership import still_member
from bot.services import experts, guilds, profiles
from bot.services.events import records, rsvps, rules
from bot.ui import NO_PINGS, already_stored, is_moderator, locale_of, reports_errors, safe, send_ephemeral
from cogs.events import native, render
from models import Event, EventKind, EventStatus, RsvpStatus

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import Bot

log = logging.getLogger(__name__)

RSVP_STYLES = {
    RsvpStatus.GOING: discord.ButtonStyle.success,
    RsvpStatus.MAYBE: discord.ButtonStyle.primary,
    RsvpStatus.NOT_GOING: discord.ButtonStyle.secondary,
}
RELEASE = "release"
SUGGESTIONS = 5


def event_lock(bot: Bot, event_id: int) -> asyncio.Lock:
    """Answers to one event are applied one at a time, so a capacity is never exceeded."""
    return bot.locks[f"event:{event_id}"]


def ensure_moderator(interaction: discord.Interaction[Bot]) -> None:
    """Forms are checked like the commands that opened them (rights can change in between)."""
    if not is_moderator(interaction):
        raise UserError("errors.not_allowed")


def audit(interaction: discord.Interaction[Bot], action: str) -> str:
    return f"Verbinder: /event {action} by {interaction.user} ({interaction.user.id})"


# --- sending helpers ----------------------------------------------------------------------------------


async def server_locale(bot: Bot, guild_id: int) -> str:
    """The language of the server's public posts (set in setup, else ``DEFAULT_LOCALE``)."""
    async with bot.db.session() as session:
        return guilds.language(await guilds.get_settings(session, guild_id), bot.settings.default_locale)


async def dm_answered(
    bot: Bot,
    recipients: Sequence[records.Recipient],
    text: Callable[[str], str],
    default_locale: str,
    *,
    nonce: Callable[[int], str] | None = None,
) -> tuple[list[int], list[int]]:
    """DM every recipient (their answer to the event is their consent), each in their language;
    ``nonce(user_id)`` gives each DM a nonce (a notice sent from the outbox).

    Returns (reached, DMs closed).
    """
    reached: list[int] = []
    closed: list[int] = []
    for recipient in recipients:
        if not await still_member(bot, recipient.guild_id, recipient.user_id):
            continue
        content = text(recipient.locale or default_locale)[: render.MESSAGE_MAX]
        tag = nonce(recipient.user_id) if nonce is not None else None
        message = await messaging.send_dm(bot, recipient.user_id, content=content, nonce=tag)
        (reached if message is not None else closed).append(recipient.user_id)
    return reached, closed


async def post(
    bot: Bot, channel_id: int | None, content: str | None, *, mention: Sequence[int] = (), **kwargs: Any
) -> discord.Message | None:
    """A message in the events channel that pings only ``mention`` (appended to the content)."""
    channel = await messaging.text_channel(bot, channel_id)
    if channel is None:
        log.warning("events channel %s is not available", channel_id)
        return None
    if mention:
        names = " ".join(f"<@{u}>" for u in mention)
        content = f"{content}\n{names}" if content else names
    try:
        return await channel.send(
            content[: render.MESSAGE_MAX] if content else None,
            allowed_mentions=messaging.pings(mention) if mention else NO_PINGS,
            **kwargs,
        )
    except discord.HTTPException:
        log.exception("could not post in the events channel %s", channel_id)
        return None


# --- the announcement ---------------------------------------------------------------------------------


async def refresh_announcement(bot: Bot, event_id: int) -> None:
    """Re-render the event's announcement from the database; post it if it is missing.

    Safe to call any number of times: after RSVPs, edits, cancelling, and when the challenges
    feature dispatches ``hackathon_challenges_changed``.
    """
    async with bot.db.session() as session:
        event = await session.get(Event, event_id)
        if event is None:
            return
        settings = await guilds.get_settings(session, event.guild_id)
        counts = (await records.counts(session, [event_id]))[event_id]
        challenges = await records.linked_challenges(session, event_id)
        slots = (
            (len(await experts.booked(session, event_id)), len(experts.slot_times(event)))
            if event.slot_minutes
            else None
        )
        session_experts = await experts.session_experts(session, event_id)
        session.expunge(event)
    locale = guilds.language(settings, bot.settings.default_locale)
    now = bot.clock()
    embed = render.announcement_embed(
        locale, event, counts, challenges=challenges, slots=slots, experts=session_experts, now=now
    )
    open_ = event.status == EventStatus.SCHEDULED.value and event.starts_at > now
    view = announcement_view(event, locale) if open_ else None
    if event.announcement_channel_id is not None and event.announcement_message_id is not None:
        message = bot.get_partial_messageable(event.announcement_channel_id).get_partial_message(
            event.announcement_message_id
        )
        try:
            await message.edit(embed=embed, view=view, allowed_mentions=NO_PINGS)
            return
        except discord.NotFound:
            log.info("announcement of event %s was deleted; posting it again", event_id)
        except discord.HTTPException:
            log.exception("could not update the announcement of event %s", event_id)
            return
    if event.status != EventStatus.SCHEDULED.value or event.ends_at <= now:
        return
    channel = await messaging.text_channel(bot, settings.events_channel_id)
    if channel is None:
        log.warning("guild %s has no usable events channel for event %s", event.guild_id, event_id)
        return

    async def send() -> discord.Message:
        if view is None:
            return await channel.send(embed=embed, allowed_mentions=NO_PINGS)
        return await channel.send(embed=embed, view=view, allowed_mentions=NO_PINGS)

    async def store(session: AsyncSession, posted: discord.Message) -> None:
        stored = await session.get(Event, event_id)
        if stored is not None:
            stored.announcement_channel_id, stored.announcement_message_id = posted.channel.id, posted.id

    try:
        await messaging.post_then_store(bot.db, send, store, lambda posted: posted.delete())
    except discord.HTTPException:
        log.exception("could not post the announcement of event %s", event_id)


async def sync_interest(bot: Bot, event_id: int) -> None:
    """Count everyone interested in the native event as Maybe, also those the bot did not hear of.

    Discord reports "Interested" clicks only for members the bot has seen; before reminders and
    change notices the list is read from Discord, so nobody who asked is missed.
    """
    async with bot.db.session() as session:
        event = await session.get(Event, event_id)
        if event is None or event.native_event_id is None:
            return
        guild_id, native_id = event.guild_id, event.native_event_id
    found = await native.native_event(bot, guild_id, native_id)
    if found is None:
        return
    try:
        interested = {user.id async for user in found.users() if not user.bot}
    except discord.HTTPException:
        log.warning("could not read who is interested in native event %s", native_id, exc_info=True)
        return
    async with bot.db.session() as session:
        changed = await rsvps.add_interested(session, event_id, interested, bot.clock())
    if changed:
        await refresh_announcement(bot, event_id)


async def tell_promoted(bot: Bot, event_id: int, user_ids: Sequence[int]) -> None:
    """By DM; in the events channel, mentioning only them, for those whose DMs are closed."""
    async with bot.db.session() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        settings = await guilds.get_settings(session, event.guild_id)
        locales = await records.member_locales(session, event.guild_id, user_ids)
        session.expunge(event)
    default = guilds.language(settings, bot.settings.default_locale)
    closed = []
    for user_id in user_ids:
        if not await still_member(bot, event.guild_id, user_id):
            continue
        text = render.promoted_dm(locales.get(user_id) or default, event)
        if await messaging.send_dm(bot, user_id, content=text) is None:
            closed.append(user_id)
    if closed:
        await post(
            bot,
            settings.events_channel_id,
            t(default, "event.promoted_channel", title=safe(event.title), link=render.link(event)),
            mention=closed,
        )


async def tell_expert(bot: Bot, event_id: int, user_id: int, locale: str | None) -> bool:
    """Registering as an expert is consent to be invited by DM; True when the DM arrived."""
    async with bot.db.session() as session:
        event = await session.get(Event, event_id)
        assert event is not None
        session.expunge(event)
    if not await still_member(bot, event.guild_id, user_id):
        return False
    text = render.expert_dm(locale or await server_locale(bot, event.guild_id), event)
    return await messaging.send_dm(bot, user_id, content=text) is not None


# --- buttons ------------------------------------------------------------------------------------------


class RsvpButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"event:(?P<status>going|maybe|not_going):(?P<id>\d+)",
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
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RsvpButton:
        return cls(int(match["id"]), RsvpStatus(match["status"]), "en")

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        bot = interaction.client
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with event_lock(bot, self.event_id), bot.db.session() as session:
            await profiles.remember_locale(
                session, interaction.guild_id, interaction.user.id, locale, name=interaction.user.display_name
            )
            result = await rsvps.rsvp(
                session, interaction.guild_id, self.event_id, interaction.user.id, self.status.value, bot.clock()
            )
            title = (await records.get_event(session, interaction.guild_id, self.event_id)).title
            settings = await guilds.get_settings(session, interaction.guild_id)
        # The button as the announcement shows it (in the server's language).
        stop = t(guilds.language(settings, bot.settings.default_locale), "event.button.not_going")
        async with already_stored(interaction):
            if not result.changed:
                key = (
                    "event.rsvp.still_waiting" if result.status == RsvpStatus.WAITLIST.value else "event.rsvp.unchanged"
                )
                status = render.status_label(locale, result.status)
                reply = t(locale, key, title=safe(title), position=result.position, status=status)
            else:
                reply = t(locale, f"event.rsvp.{result.status}", title=safe(title), position=result.position, stop=stop)
            await send_ephemeral(interaction, reply)
            if result.changed:
                await refresh_announcement(bot, self.event_id)
            if result.promoted:
                await tell_promoted(bot, self.event_id, result.promoted)


class AskButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"event:ask:(?P<id>\d+)"):
    """Opens the question form of an ask-the-expert session."""

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
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AskButton:
        return cls(int(match["id"]), "en")

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        bot = interaction.client
        assert interaction.guild_id is not None
        async with bot.db.session() as session:
            event = await records.get_event(session, interaction.guild_id, self.event_id)
            if event.kind != EventKind.EXPERT_SESSION:
                raise UserError("question.not_a_session", title=event.title)
            if event.status != EventStatus.SCHEDULED.value:
                raise UserError("event.is_cancelled", title=event.title)
            if bot.clock() >= experts.questions_close(event):
                raise UserError("question.closed", title=event.title)
        await interaction.response.send_modal(QuestionModal(self.event_id, locale_of(interaction)))


class SlotsButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"event:slots:(?P<id>\d+)"):
    """Shows the free slots of a session in a private menu."""

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
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SlotsButton:
        return cls(int(match["id"]), "en")

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        bot = interaction.client
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with bot.db.session() as session:
            view = await experts.slot_view(
                session, interaction.guild_id, self.event_id, interaction.user.id, bot.clock()
            )
            event = await records.get_event(session, interaction.guild_id, self.event_id)
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
        menu.add_item(SlotSelect(self.event_id, options, t(locale, "slot.placeholder")))
        await send_ephemeral(interaction, "\n".join(lines), view=menu)


class SlotSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"event:book:(?P<id>\d+)"):
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
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SlotSelect:
        return cls(int(match["id"]))

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        bot = interaction.client
        assert interaction.guild_id is not None
        value = (self.item.values or [RELEASE])[0]
        if value != RELEASE and not value.isdigit():
            raise UserError("slot.unknown")
        at = None if value == RELEASE else datetime.fromtimestamp(int(value), UTC)
        locale = locale_of(interaction)
        async with bot.db.session() as session:
            # A booked slot is reminded by DM: in the language of this interaction.
            await profiles.remember_locale(
                session, interaction.guild_id, interaction.user.id, locale, name=interaction.user.display_name
            )
            title = (await records.get_event(session, interaction.guild_id, self.event_id)).title
            if at is None:
                await experts.release(session, interaction.guild_id, self.event_id, interaction.user.id)
                reply = t(locale, "slot.released", title=safe(title))
            else:
                now = bot.clock()
                await experts.book(session, interaction.guild_id, self.event_id, interaction.user.id, at, now)
                # Booked well ahead: a reminder follows (see notices.claim_slot_reminders).
                key = "slot.booked" if at - now > rules.SLOT_LEAD else "slot.booked_soon"
                reply = t(locale, key, title=safe(title), when=render.ts(at))
        async with already_stored(interaction):
            await interaction.response.edit_message(content=reply, view=None, allowed_mentions=NO_PINGS)
            await refresh_announcement(bot, self.event_id)


class InviteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"event:invite:(?P<id>\d+):(?P<user>\d+)"):
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
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> InviteButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(int(match["id"]), int(match["user"]), label or "")

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        bot = interaction.client
        assert interaction.guild_id is not None
        ensure_moderator(interaction)
        locale = locale_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with bot.db.session() as session:
            added = await experts.add_to_session(
                session, interaction.guild_id, self.event_id, self.user_id, bot.clock()
            )
            title = (await records.get_event(session, interaction.guild_id, self.event_id)).title
            member = await profiles.get_member(session, interaction.guild_id, self.user_id)
            name = safe(member.name if member else str(self.user_id))
            member_locale = member.locale if member else None
        if not added:
            await send_ephemeral(interaction, t(locale, "event.already_expert", name=name, title=safe(title)))
            return
        async with already_stored(interaction):
            reached = await tell_expert(bot, self.event_id, self.user_id, member_locale)
            key = "event.invited" if reached else "event.invited_no_dm"
            await send_ephemeral(interaction, t(locale, key, name=name, title=safe(title)))
            await refresh_announcement(bot, self.event_id)


DYNAMIC_ITEMS = (RsvpButton, AskButton, SlotsButton, SlotSelect, InviteButton)


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


# --- forms --------------------------------------------------------------------------------------------


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

    def __init__(self, draft: records.Draft, locale: str) -> None:
        super().__init__(title=t(locale, "event.modal.title")[:45])
        self.draft = draft
        self.text = _paragraph(locale, "event.modal", rules.DESCRIPTION_MAX)
        self.add_item(self.text)

    @reports_errors
    async def on_submit(self, interaction: discord.Interaction[Bot]) -> None:
        await create_event(interaction, self.draft, self.text.value or "")


class EditDescriptionModal(discord.ui.Modal):
    """``/event edit … description: True``: the current description to change; other changes ride along."""

    def __init__(self, edit: rsvps.Edit, current: str, locale: str) -> None:
        super().__init__(title=t(locale, "event.edit_modal.title")[:45])
        self.edit = edit
        self.text = _paragraph(locale, "event.modal", rules.DESCRIPTION_MAX, default=current[: rules.DESCRIPTION_MAX])
        self.add_item(self.text)

    @reports_errors
    async def on_submit(self, interaction: discord.Interaction[Bot]) -> None:
        await apply_edit(interaction, self.edit, description=self.text.value or "")


class QuestionModal(discord.ui.Modal):
    def __init__(self, event_id: int, locale: str) -> None:
        super().__init__(title=t(locale, "question.modal_title")[:45])
        self.event_id = event_id
        self.text = _paragraph(locale, "question.modal", experts.QUESTION_MAX)
        self.add_item(self.text)

    @reports_errors
    async def on_submit(self, interaction: discord.Interaction[Bot]) -> None:
        await save_question(interaction, self.event_id, self.text.value or "")


async def save_question(interaction: discord.Interaction[Bot], event_id: int, text: str) -> None:
    """From the question form and from ``/ask``."""
    bot = interaction.client
    assert interaction.guild_id is not None
    locale = locale_of(interaction)
    async with bot.db.session() as session:
        await profiles.remember_locale(session, interaction.guild_id, interaction.user.id, locale)
        count = await experts.ask(session, interaction.guild_id, event_id, interaction.user.id, text, bot.clock())
        event = await records.get_event(session, interaction.guild_id, event_id)
        reply = t(
            locale,
            "question.saved",
            title=safe(event.title),
            count=count,
            max=experts.QUESTIONS_PER_MEMBER,
            close=render.ts(experts.questions_close(event)),
        )
    async with already_stored(interaction):
        await send_ephemeral(interaction, reply)


async def create_event(interaction: discord.Interaction[Bot], draft: records.Draft, text: str) -> None:
    """The description form was submitted: create the native event, the row and the announcement."""
    bot = interaction.client
    ensure_moderator(interaction)
    description = rules.clean_description(text)
    await interaction.response.defer(ephemeral=True, thinking=True)
    now = bot.clock()
    async with bot.db.session() as session:
        settings = await guilds.get_settings(session, draft.guild_id)
        tz = guilds.zone(settings, bot.settings.timezone)
        channel_id = settings.events_channel_id
    if channel_id is None or await messaging.text_channel(bot, channel_id) is None:
        raise UserError("event.no_channel")
    if draft.starts_at <= now:  # the form stayed open past the start
        raise UserError("event.past", value=f"{draft.starts_at.astimezone(tz):%Y-%m-%d %H:%M}")
    spec = native.NativeSpec(
        draft.title, description, draft.starts_at, draft.ends_at, draft.location, draft.location_channel_id
    )

    async def store(session: AsyncSession, created: discord.ScheduledEvent) -> int:
        event = await records.insert_event(
            session, draft, description=description, native_event_id=created.id, channel_id=channel_id, now=now, tz=tz
        )
        return event.id

    event_id = await messaging.post_then_store(
        bot.db,
        lambda: native.create_native(bot, draft.guild_id, spec, reason=audit(interaction, "create")),
        store,
        lambda created: native.delete_native(created, reason=audit(interaction, "create (undone)")),
    )
    async with already_stored(interaction):
        await refresh_announcement(bot, event_id)
        await _report_created(interaction, draft, event_id, channel_id)


async def _report_created(
    interaction: discord.Interaction[Bot], draft: records.Draft, event_id: int, channel_id: int
) -> None:
    """Tell the chosen experts, and the moderator what was made and which experts fit the session.

    The chosen experts are shown among the suggestions, marked as invited; Invite buttons are for
    the others.
    """
    bot = interaction.client
    locale = locale_of(interaction)
    chosen = set(draft.expert_ids)
    async with bot.db.session() as session:
        event = await records.get_event(session, draft.guild_id, event_id)
        fits = (
            await experts.fitting(session, draft.guild_id, draft.topics, limit=SUGGESTIONS + len(chosen))
            if draft.kind == EventKind.EXPERT_SESSION
            else []
        )
        invited = [(u, await profiles.get_member(session, draft.guild_id, u)) for u in draft.expert_ids]
        invited_as = [(u, m.name if m else str(u), m.locale if m else None) for u, m in invited]
        session.expunge(event)
    others = [f for f in fits if f.user_id not in chosen][:SUGGESTIONS]
    shown = [f for f in fits if f.user_id in chosen or f in others]
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
    for user_id, name, member_locale in invited_as:
        reached = await tell_expert(bot, event_id, user_id, member_locale)
        lines.append(
            t(locale, "event.invited" if reached else "event.invited_no_dm", name=safe(name), title=safe(event.title))
        )
    if draft.kind == EventKind.EXPERT_SESSION:
        lines.append(t(locale, "event.suggestions" if shown else "event.no_suggestions"))
        for fit in shown:
            assert fit.best is not None
            line = t(
                locale,
                "event.suggestion_line",
                name=safe(fit.name),
                topics=safe(", ".join(fit.topics)),
                wanted=safe(fit.best[1]),
                score=f"{fit.score:.0f}",
            )
            lines.append(f"{line} {t(locale, 'event.suggestion_invited')}" if fit.user_id in chosen else line)
    view = invite_view(event_id, [(f.user_id, f.name) for f in others], locale) if others else discord.utils.MISSING
    await interaction.followup.send(
        "\n".join(lines)[: render.MESSAGE_MAX], ephemeral=True, allowed_mentions=NO_PINGS, view=view
    )


async def apply_edit(
    interaction: discord.Interaction[Bot], edit: rsvps.Edit, *, description: str | None = None
) -> None:
    """Store a validated edit (from ``/event edit`` or its description form)."""
    bot = interaction.client
    assert interaction.guild_id is not None
    guild_id = interaction.guild_id
    locale = locale_of(interaction)
    ensure_moderator(interaction)
    if description is not None:
        edit.description = rules.clean_description(description)
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)
    now = bot.clock()
    async with bot.db.session() as session:
        settings = await guilds.get_settings(session, guild_id)
        tz = guilds.zone(settings, bot.settings.timezone)
        event = await records.get_event(session, guild_id, edit.event_id)
        # Checked again: the form may have stayed open while the event started or was cancelled.
        rsvps.ensure_editable(event, now)
        if edit.starts_at is not None and edit.starts_at <= now:
            raise UserError("event.past", value=f"{edit.starts_at.astimezone(tz):%Y-%m-%d %H:%M}")
        old = native.NativeSpec.of(event)
        native_id = event.native_event_id
    new = native.NativeSpec(
        edit.title or old.title,
        edit.description if edit.description is not None else old.description,
        edit.starts_at or old.starts_at,
        edit.ends_at or old.ends_at,
        edit.location if edit.place_changed else old.location,
        edit.location_channel_id if edit.place_changed else old.channel_id,
    )

    async def restore(_: None) -> None:
        try:
            await native.edit_native(bot, guild_id, native_id, old, reason=audit(interaction, "edit (undone)"))
        except UserError:
            log.exception("could not restore native event %s", native_id)

    async def store(session: AsyncSession, _: None) -> tuple[tuple[int, ...], list[tuple[int, str, str | None]]]:
        promoted = await rsvps.apply_edit(session, guild_id, edit, now=now, tz=tz)
        added = []
        for user_id in edit.expert_ids:
            if await experts.add_to_session(session, guild_id, edit.event_id, user_id, now):
                member = await profiles.get_member(session, guild_id, user_id)
                added.append((user_id, member.name if member else str(user_id), member.locale if member else None))
        return promoted, added

    promoted, added = await messaging.post_then_store(
        bot.db,
        lambda: native.edit_native(bot, guild_id, native_id, new, reason=audit(interaction, "edit")),
        store,
        restore,
    )
    async with already_stored(interaction):
        await refresh_announcement(bot, edit.event_id)
        if promoted:
            await tell_promoted(bot, edit.event_id, promoted)
        told = None
        if edit.time_changed or edit.place_changed:
            told = await _tell_change(bot, guild_id, edit.event_id)
        async with bot.db.session() as session:
            event = await records.get_event(session, guild_id, edit.event_id)
            if told is None:
                reply = t(locale, "event.edited", title=safe(event.title), link=render.link(event))
            else:
                reply = t(locale, "event.edited_told", title=safe(event.title), count=told, link=render.link(event))
        lines = [reply]
        for user_id, name, member_locale in added:
            reached = await tell_expert(bot, edit.event_id, user_id, member_locale)
            key = "event.invited" if reached else "event.invited_no_dm"
            lines.append(t(locale, key, name=safe(name), title=safe(event.title)))
        await send_ephemeral(interaction, "\n".join(lines)[: render.MESSAGE_MAX])


async def _tell_change(bot: Bot, guild_id: int, event_id: int) -> int:
    """A new time or place: by DM to Going, Maybe and the waitlist; once in the events channel,
    mentioning only those of them whose DMs are closed. Returns how many got a DM."""
    statuses = (RsvpStatus.GOING.value, RsvpStatus.MAYBE.value, RsvpStatus.WAITLIST.value)
    await sync_interest(bot, event_id)
    async with bot.db.session() as session:
        settings = await guilds.get_settings(session, guild_id)
        event = await records.get_event(session, guild_id, event_id)
        people = await records.recipients(session, event, statuses)
        session.expunge(event)

    def text(key: str, locale: str) -> str:
        return t(
            locale,
            key,
            title=safe(event.title),
            when=render.when(event),
            where=render.where(event),
            link=render.link(event),
        ).strip()

    public = guilds.language(settings, bot.settings.default_locale)
    reached, closed = await dm_answered(bot, people, lambda lang: text("event.changed_dm", lang), public)
    await post(bot, settings.events_channel_id, text("event.changed_post", public), mention=closed)
    return len(reached)
