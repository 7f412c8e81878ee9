"""Scheduled messages of events: reminders, questions for experts, the weekly agenda; each recorded once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.errors import UserError
from bot.services import guilds
from bot.services.events.rules import (
    ANNOUNCE,
    LOOK_BACK,
    OVER,
    OVER_LOOK_BACK,
    QUESTIONS,
    QUESTIONS_LEAD,
    REMINDER_MAX,
    SLOT_LEAD,
    SLOT_PREFIX,
    Lead,
    parse_reminders,
)
from bot.services.schedule import due_round
from models import (
    AgendaPost,
    Event,
    EventKind,
    EventNotice,
    EventSlot,
    EventStatus,
    GuildDeparture,
    GuildSettings,
)


async def reminder_leads(session: AsyncSession, guild_id: int) -> list[Lead]:
    settings = await guilds.get_settings(session, guild_id)
    try:
        return parse_reminders(settings.event_reminders)
    except UserError:
        return [Lead(timedelta(days=7)), Lead(timedelta(days=1)), Lead(timedelta(hours=1))]


# --- notices --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Planned:
    kind: str
    due_at: datetime
    lead: timedelta
    reminder: bool


def due_instant(starts_at: datetime, lead: Lead, tz: ZoneInfo) -> datetime:
    """Whole days count on the local calendar (7 days before 19:30 is 19:30, also across a DST
    change); hours and minutes are exact. The result is one instant either way."""
    if not lead.whole_days:
        return starts_at - lead.delta
    local = starts_at.astimezone(tz).replace(tzinfo=None) - lead.delta
    return local.replace(tzinfo=tz).astimezone(UTC)


def notice_plan(event: Event, leads: list[Lead], tz: ZoneInfo) -> list[Planned]:
    plan = [Planned(lead.kind, due_instant(event.starts_at, lead, tz), lead.delta, True) for lead in leads]
    if event.kind == EventKind.EXPERT_SESSION:
        plan.append(Planned(QUESTIONS, event.starts_at - QUESTIONS_LEAD, QUESTIONS_LEAD, False))
    return plan


async def _record(session: AsyncSession, event_id: int, kind: str, due_at: datetime, sent_at: datetime | None) -> bool:
    """Insert one notice; False when it exists already (recorded by an earlier tick or process)."""
    try:
        async with session.begin_nested():
            session.add(EventNotice(event_id=event_id, kind=kind, due_at=due_at, sent_at=sent_at))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def skip_passed_notices(
    session: AsyncSession, event: Event, now: datetime, leads: list[Lead], tz: ZoneInfo
) -> None:
    """At creation or a new time: notices already due are covered by the announcement (skipped)."""
    for planned in notice_plan(event, leads, tz):
        if planned.due_at <= now and planned.reminder:
            await _record(session, event.id, planned.kind, planned.due_at, None)


@dataclass(frozen=True, slots=True)
class Claimed:
    event_id: int
    guild_id: int
    kind: str


async def claim_due_notices(session: AsyncSession, now: datetime, default_tz: str) -> list[Claimed]:
    """Record every due notice and return those to send now.

    A notice missed by less than its own lead time (the bot was down) is still sent, once.
    When several reminders of one event are due together, only the latest (closest to the
    start) is sent; the older ones, and any missed by their whole lead time, are recorded as
    skipped (``sent_at`` empty), so they are never sent later either.
    """
    horizon = now + REMINDER_MAX + timedelta(days=1)
    candidates = list(
        (
            await session.execute(
                select(Event).where(
                    Event.status == EventStatus.SCHEDULED.value,
                    Event.starts_at > now - LOOK_BACK,
                    Event.starts_at <= horizon,
                    # Nothing is sent for a server that removed the bot.
                    ~exists().where(GuildDeparture.guild_id == Event.guild_id),
                )
            )
        ).scalars()
    )
    if not candidates:
        return []
    rows = await session.execute(
        select(EventNotice.event_id, EventNotice.kind).where(EventNotice.event_id.in_([e.id for e in candidates]))
    )
    recorded = {(event_id, kind) for event_id, kind in rows}
    settings_cache: dict[int, tuple[list[Lead], ZoneInfo]] = {}
    claimed: list[Claimed] = []
    for event in candidates:
        if event.guild_id not in settings_cache:
            settings = await guilds.get_settings(session, event.guild_id)
            settings_cache[event.guild_id] = (
                await reminder_leads(session, event.guild_id),
                guilds.zone(settings, default_tz),
            )
        leads, tz = settings_cache[event.guild_id]
        due = [p for p in notice_plan(event, leads, tz) if p.due_at <= now and (event.id, p.kind) not in recorded]
        sendable = [p for p in due if now < event.starts_at and now - p.due_at < p.lead]
        latest_reminder = min((p for p in sendable if p.reminder), key=lambda p: p.lead, default=None)
        for planned in due:
            send = planned in sendable and (not planned.reminder or planned is latest_reminder)
            if await _record(session, event.id, planned.kind, planned.due_at, now if send else None) and send:
                claimed.append(Claimed(event.id, event.guild_id, planned.kind))
    # Each notice to send is put in the outbox in the same transaction (kind ``event_notice``):
    # sent at least once from there, each of its messages with a nonce of its own.
    for notice in claimed:
        payload = {"event": notice.event_id, "notice": notice.kind}
        await outbox.enqueue(session, notice_key(notice), "event_notice", payload, now=now, guild_id=notice.guild_id)
    await session.flush()
    return claimed


def notice_key(notice: Claimed) -> str:
    """The outbox key of an event's reminder or questions: one per event and notice kind."""
    return f"event_notice:{notice.event_id}:{notice.kind}"


async def claim_finished(session: AsyncSession, now: datetime) -> list[int]:
    """Events that ended (and were not cancelled): each recorded once as ``over``; their ids.

    The caller then shows on the announcement that the event is over (no more buttons).
    """
    ended = (
        await session.execute(
            select(Event.id)
            .where(
                Event.status == EventStatus.SCHEDULED.value,
                Event.ends_at <= now,
                Event.ends_at > now - OVER_LOOK_BACK,
                ~select(EventNotice.id).where(EventNotice.event_id == Event.id, EventNotice.kind == OVER).exists(),
            )
            .order_by(Event.id)
        )
    ).scalars()
    return [event_id for event_id in list(ended) if await _record(session, event_id, OVER, now, now)]


@dataclass(frozen=True, slots=True)
class SlotDue:
    event_id: int
    user_id: int
    starts_at: datetime


def slot_kind(starts_at: datetime) -> str:
    return f"{SLOT_PREFIX}{int(starts_at.timestamp())}"


async def claim_slot_reminders(session: AsyncSession, now: datetime) -> list[SlotDue]:
    """Booked slots starting within ``SLOT_LEAD``: each recorded once per event and slot time.

    A slot booked when it was already that close was recorded as skipped when it was booked
    (:func:`skip_slot_reminder`): its booking reply said when it is. A slot that started while the
    bot was down is not reminded late.

    Each reminder to send is put in the outbox in the same transaction (kind ``slot_reminder``,
    key :func:`slot_key`): sent at least once from there, with a nonce.
    """
    rows = await session.execute(
        select(EventSlot.event_id, EventSlot.user_id, EventSlot.starts_at, Event.guild_id)
        .join(Event, Event.id == EventSlot.event_id)
        .where(
            Event.status == EventStatus.SCHEDULED.value,
            EventSlot.starts_at > now,
            EventSlot.starts_at <= now + SLOT_LEAD,
        )
        .order_by(EventSlot.starts_at, EventSlot.id)
    )
    due = []
    for event_id, user_id, starts_at, guild_id in list(rows):
        if await _record(session, event_id, slot_kind(starts_at), starts_at - SLOT_LEAD, now):
            slot = SlotDue(event_id, user_id, starts_at)
            due.append(slot)
            payload = {"event": event_id, "user": user_id, "starts_at": int(starts_at.timestamp())}
            await outbox.enqueue(session, slot_key(slot), "slot_reminder", payload, now=now, guild_id=guild_id)
    return due


def slot_key(slot: SlotDue) -> str:
    return f"slot:{slot.event_id}:{slot.user_id}:{int(slot.starts_at.timestamp())}"


async def skip_slot_reminder(session: AsyncSession, event_id: int, starts_at: datetime, now: datetime) -> None:
    """A slot booked less than ``SLOT_LEAD`` before it starts gets no reminder (recorded as skipped)."""
    if starts_at - now <= SLOT_LEAD:
        await _record(session, event_id, slot_kind(starts_at), starts_at - SLOT_LEAD, None)


async def reset_notices(session: AsyncSession, event: Event, now: datetime, tz: ZoneInfo) -> None:
    """After a new start time: reminders and questions are planned afresh (passed ones skipped)."""
    await session.execute(delete(EventNotice).where(EventNotice.event_id == event.id, EventNotice.kind != ANNOUNCE))
    await skip_passed_notices(session, event, now, await reminder_leads(session, event.guild_id), tz)


# --- the weekly agenda ---------------------------------------------------------------------------


def agenda_due(settings: GuildSettings, now: datetime, default_tz: str) -> tuple[str, datetime] | None:
    """The agenda week due now (posted with the weekly introductions round if the server set one
    up, otherwise Monday 09:00), at most a day late; None otherwise."""
    weekday, at = agenda_time(settings)
    return due_round(now, weekday, at, guilds.zone(settings, default_tz))


def agenda_time(settings: GuildSettings) -> tuple[int, time]:
    """The weekday and local time of the agenda: those of the weekly introductions round when the
    server set up introductions, otherwise Monday 09:00."""
    if settings.intro_channel_id is not None:
        return settings.intro_weekday, time(settings.intro_hour, settings.intro_minute)
    return 0, time(9, 0)


async def claim_agenda(session: AsyncSession, guild_id: int, week: str, now: datetime) -> bool:
    """Record the week's agenda before it is posted; False when it was recorded before.

    Put in the outbox in the same transaction (kind ``agenda``, key :func:`agenda_key`), with the
    moment it was due, so that a retry lists the same weeks."""
    try:
        async with session.begin_nested():
            session.add(AgendaPost(guild_id=guild_id, week=week))
            await session.flush()
    except IntegrityError:
        return False
    payload = {"week": week, "since": int(now.timestamp())}
    await outbox.enqueue(session, agenda_key(guild_id, week), "agenda", payload, now=now, guild_id=guild_id)
    return True


def agenda_key(guild_id: int, week: str) -> str:
    return f"agenda:{guild_id}:{week}"


async def set_agenda_message(session: AsyncSession, guild_id: int, week: str, message_id: int) -> None:
    post = (
        await session.execute(select(AgendaPost).where(AgendaPost.guild_id == guild_id, AgendaPost.week == week))
    ).scalar_one_or_none()
    if post is not None:
        post.message_id = message_id
