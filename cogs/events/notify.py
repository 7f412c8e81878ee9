"""Sending without an interaction: the minute tick's reminders, questions for the experts and
weekly agenda, and the news of a cancelled event.

The database is the source of truth, so there are no per-event jobs to rebuild after a restart:
each tick works out from the events table what is due. Every notice is recorded (an
``EventNotice`` or an ``AgendaPost`` row, unique) and put in the outbox in the same transaction,
then sent from there: at least once, each of its messages with a nonce of its own (one per
recipient or part), so a retry after a crash goes out again without doubling what Discord
already has within its nonce window. See ``notices.claim_due_notices`` for what a restart
catches up and what it skips.

Who is told how: reminders and cancellations go by DM to members who answered (Going or Maybe;
for a cancellation also the waitlist): answering is consent to that event's notices, whether or
not the member joined introductions. A post in the events channel (in the server's language)
tells everyone else; it mentions nobody except those members whose DMs turned out to be closed,
so they are still reached. Experts get the questions by DM, or in a private thread of the events
channel with only them; a member who booked a slot is reminded of it by DM. An event that ended
has its announcement marked as over (no more buttons). Nothing ever pings @everyone or a role.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot import messaging, outbox
from bot.i18n import t
from bot.membership import still_member
from bot.services import experts, guilds
from bot.services.events import notices, records, rules
from bot.ui import NO_PINGS, safe
from cogs.events import render
from cogs.events.buttons import dm_answered, post, refresh_announcement, sync_interest
from models import Event, RsvpStatus

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)


async def run_due_work(bot: Bot) -> None:
    now = bot.clock()
    async with bot.db.session() as session:
        await notices.claim_due_notices(session, now, bot.settings.timezone)
        await notices.claim_slot_reminders(session, now)
        ended = await notices.claim_finished(session, now)
        for settings in await records.servers_with_events_channel(session):
            due = notices.agenda_due(settings, now, bot.settings.timezone)
            if due is not None:
                await notices.claim_agenda(session, settings.guild_id, due[0], now)
    for event_id in ended:
        try:
            await refresh_announcement(bot, event_id)
        except Exception:
            log.exception("marking event %s as over failed", event_id)
    # Through the outbox, also those a crash left claimed but unsent (failures are recorded there).
    await messaging.send_outbox(bot, SENDERS)


def _nonce(item: outbox.Item, part: str | int) -> str:
    """The nonce of one message of a notice that sends several (one per recipient or part)."""
    return outbox.nonce(f"{item.key}:{part}")


async def send_notice(bot: Bot, item: outbox.Item) -> bool:
    """An event's reminder or the questions for its experts (an outbox item of kind ``event_notice``)."""
    event_id, kind = int(item.payload["event"]), str(item.payload["notice"])
    if kind == rules.QUESTIONS:
        await send_questions(bot, event_id, item)
    else:
        await send_reminder(bot, event_id, item)
    async with bot.db.session() as session:
        await outbox.confirm(session, item.id, now=bot.clock(), message_id=None)
    return True


async def send_reminder(bot: Bot, event_id: int, item: outbox.Item) -> None:
    """By DM to members who said Going or Maybe; one post in the events channel for everyone,
    which mentions only those of them whose DMs are closed."""
    await sync_interest(bot, event_id)
    async with bot.db.session() as session:
        event = await session.get(Event, event_id)
        if event is None:
            return
        settings = await guilds.get_settings(session, event.guild_id)
        counts = (await records.counts(session, [event_id]))[event_id]
        going = await records.recipients(session, event, (RsvpStatus.GOING.value, RsvpStatus.MAYBE.value))

    def text(key: str, locale: str) -> str:
        return t(
            locale,
            key,
            title=safe(event.title),
            relative=render.ts(event.starts_at, "R"),
            when=render.when(event),
            where=render.where(event),
            going=render.going_text(locale, event, counts),
            link=render.link(event),
        ).strip()

    default = guilds.language(settings, bot.settings.default_locale)
    _reached, closed = await dm_answered(
        bot, going, lambda lang: text("event.reminder.dm", lang), default, nonce=lambda user: _nonce(item, user)
    )
    await post(
        bot,
        settings.events_channel_id,
        text("event.reminder.post", default),
        mention=closed,
        nonce=_nonce(item, "post"),
    )


async def send_questions(bot: Bot, event_id: int, item: outbox.Item) -> None:
    """The session's questions to each of its experts: by DM, or in a private thread with only them."""
    async with bot.db.session() as session:
        event = await session.get(Event, event_id)
        if event is None:
            return
        settings = await guilds.get_settings(session, event.guild_id)
        asked = await experts.questions(session, event_id)
        holders = sorted((await experts.booked(session, event_id)).items())
        expert_ids = await experts.session_experts(session, event_id)
        locales = await records.member_locales(session, event.guild_id, expert_ids)
        public = guilds.language(settings, bot.settings.default_locale)
    if not expert_ids:
        log.info("expert session %s has no experts to send %d questions to", event_id, len(asked))
        return
    for user_id in expert_ids:
        locale = locales.get(user_id) or public
        messages = render.questions_messages(locale, event, asked, holders)
        first = await messaging.send_dm(bot, user_id, content=messages[0], nonce=_nonce(item, f"{user_id}:0"))
        if first is not None:
            for i, message in enumerate(messages[1:], 1):
                await messaging.send_dm(bot, user_id, content=message, nonce=_nonce(item, f"{user_id}:{i}"))
            continue
        channel = await messaging.text_channel(bot, settings.events_channel_id)
        if channel is None:
            log.warning("no events channel to reach expert %s of event %s", user_id, event_id)
            continue
        try:
            thread = await messaging.private_thread(
                channel, t(locale, "event.questions.thread", title=event.title), [user_id]
            )
            await thread.send(
                t(locale, "event.questions.thread_hello", mention=f"<@{user_id}>"),
                allowed_mentions=messaging.pings([user_id]),
                nonce=_nonce(item, f"{user_id}:hello"),
            )
            for i, message in enumerate(messages):
                await thread.send(message, allowed_mentions=NO_PINGS, nonce=_nonce(item, f"{user_id}:{i}"))
        except discord.HTTPException:
            log.exception("could not give expert %s the questions of event %s", user_id, event_id)


async def send_agenda(bot: Bot, item: outbox.Item) -> bool:
    """The week's agenda (an outbox item of kind ``agenda``): the events of the two weeks from when
    it was due (nothing is posted for an empty agenda); a long one in several messages, not cut."""
    if item.guild_id is None:
        raise messaging.NotReached(f"{item.key} names no server")
    guild_id, week = item.guild_id, str(item.payload["week"])
    since = datetime.fromtimestamp(int(item.payload["since"]), UTC)
    async with bot.db.session() as session:
        settings = await guilds.get_settings(session, guild_id)
        found = await records.upcoming(session, guild_id, since, until=since + rules.AGENDA_SPAN)
        counts = await records.counts(session, [e.id for e in found])
    first = None
    if found:
        locale = guilds.language(settings, bot.settings.default_locale)
        for i, embed in enumerate(render.agenda_embeds(locale, found, counts)):
            message = await post(bot, settings.events_channel_id, None, embed=embed, nonce=_nonce(item, i))
            if message is None:
                break
            first = first or message
    async with bot.db.session() as session:
        if first is not None:
            await notices.set_agenda_message(session, guild_id, week, first.id)
        await outbox.confirm(session, item.id, now=bot.clock(), message_id=first.id if first else None)
    return first is not None


async def tell_cancelled(bot: Bot, event: Event, people: list[records.Recipient], reason: str) -> int:
    """By DM to those who answered and consented; one post for everyone. Returns how many got a DM."""
    async with bot.db.session() as session:
        settings = await guilds.get_settings(session, event.guild_id)

    def text(key: str, lang: str) -> str:
        because = t(lang, "event.cancel.reason", reason=safe(reason)) if reason else ""
        return t(lang, key, title=safe(event.title), when=render.ts(event.starts_at), reason=because).strip()

    default = guilds.language(settings, bot.settings.default_locale)
    reached, closed = await dm_answered(bot, people, lambda lang: text("event.cancel.dm", lang), default)
    await post(bot, settings.events_channel_id, text("event.cancel.post", default), mention=closed)
    return len(reached)


async def send_slot_reminder(bot: Bot, item: outbox.Item) -> bool:
    """By DM to the member who booked the slot (booking it asked for it); nothing public.

    An outbox item of kind ``slot_reminder``: sent with its nonce and confirmed; a member who left
    (or an event gone) is skipped, closed DMs are not retried.
    """
    event_id, user_id = int(item.payload["event"]), int(item.payload["user"])
    starts_at = datetime.fromtimestamp(int(item.payload["starts_at"]), UTC)
    async with bot.db.session() as session:
        event = await session.get(Event, event_id)
        if event is not None:
            settings = await guilds.get_settings(session, event.guild_id)
            tz = guilds.zone(settings, bot.settings.timezone)
            locale = (await records.member_locales(session, event.guild_id, [user_id])).get(user_id)
            session.expunge(event)
    if event is None or not await still_member(bot, event.guild_id, user_id):
        async with bot.db.session() as session:
            await outbox.confirm(session, item.id, now=bot.clock(), message_id=None)
        return False
    locale = locale or guilds.language(settings, bot.settings.default_locale)
    text = render.slot_reminder(locale, event, starts_at, tz)

    async def post() -> discord.Message:
        message = await messaging.send_dm(bot, user_id, content=text, nonce=item.nonce)
        if message is None:
            raise messaging.NotReached(f"slot reminder for {user_id} of event {event_id}: DMs closed")
        return message

    async def store(session: AsyncSession, message: discord.Message) -> None:
        await outbox.confirm(session, item.id, now=bot.clock(), message_id=message.id)

    await messaging.post_then_store(bot.db, post, store, lambda message: message.delete())
    return True


#: Who sends an outbox item of each kind this feature records.
SENDERS: dict[str, messaging.Sender] = {
    "slot_reminder": send_slot_reminder,
    "event_notice": send_notice,
    "agenda": send_agenda,
}
