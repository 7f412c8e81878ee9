"""Events in the database: creating and reading."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import UserError
from bot.services.events.notices import (
    reminder_leads,
    skip_passed_notices,
)
from bot.services.events.rules import (
    ANNOUNCE,
    SLOT_MINUTES,
    SLOTS_MAX,
    _capacity,
    _place,
    _title,
    parse_duration,
    parse_start,
    parse_topics,
)
from bot.text import clean
from models import (
    Challenge,
    ChallengeStatus,
    Event,
    EventExpert,
    EventKind,
    EventNotice,
    EventRsvp,
    EventStatus,
    GuildSettings,
    Member,
)

# --- creating ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Draft:
    """A validated event that is not stored yet (the description comes from a modal)."""

    guild_id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    location_channel_id: int | None
    capacity: int | None
    topics: list[str]
    slot_minutes: int | None
    created_by: int
    expert_ids: list[int] = field(default_factory=list)


def validate_draft(
    *,
    guild_id: int,
    kind: str,
    title: str,
    start: str,
    duration: str,
    location: str | None,
    channel_id: int | None,
    capacity: int | None,
    topics: str | None,
    slot_minutes: int | None,
    created_by: int,
    expert_ids: list[int] | None = None,
    tz: ZoneInfo,
    now: datetime,
) -> Draft:
    try:
        kind = EventKind(kind).value
    except ValueError:
        raise UserError("event.bad_kind") from None
    clean_title = _title(title)
    starts_at = parse_start(start, tz, now)
    length = parse_duration(duration)
    place = _place(location, channel_id)
    limit = _capacity(capacity)
    topic_list = parse_topics(topics)
    if kind == EventKind.EXPERT_SESSION and not topic_list:
        raise UserError("event.topics_missing")
    if kind != EventKind.EXPERT_SESSION and (topic_list or slot_minutes is not None or expert_ids):
        raise UserError("event.session_only")
    if slot_minutes is not None:
        if slot_minutes not in SLOT_MINUTES:
            raise UserError("event.bad_slot_minutes", min=SLOT_MINUTES.start, max=SLOT_MINUTES.stop - 1)
        count = int(length / timedelta(minutes=slot_minutes))
        if not 1 <= count <= SLOTS_MAX:
            raise UserError("event.slot_count", count=count, max=SLOTS_MAX)
    return Draft(
        guild_id=guild_id,
        kind=kind,
        title=clean_title,
        starts_at=starts_at,
        ends_at=starts_at + length,
        location=place,
        location_channel_id=channel_id,
        capacity=limit,
        topics=topic_list,
        slot_minutes=slot_minutes,
        created_by=created_by,
        expert_ids=list(dict.fromkeys(expert_ids or [])),
    )


async def insert_event(
    session: AsyncSession,
    draft: Draft,
    *,
    description: str,
    native_event_id: int | None,
    channel_id: int | None,
    now: datetime,
    tz: ZoneInfo,
) -> Event:
    """Store the event, its experts and its announcement notice (recorded before it is posted)."""
    event = Event(
        guild_id=draft.guild_id,
        kind=draft.kind,
        title=draft.title,
        description=description,
        location=draft.location,
        location_channel_id=draft.location_channel_id,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        capacity=draft.capacity,
        topics="|".join(draft.topics) or None,
        slot_minutes=draft.slot_minutes,
        status=EventStatus.SCHEDULED.value,
        created_by=draft.created_by,
        native_event_id=native_event_id,
        announcement_channel_id=channel_id,
    )
    session.add(event)
    await session.flush()
    session.add(EventNotice(event_id=event.id, kind=ANNOUNCE, due_at=now, sent_at=now))
    for user_id in draft.expert_ids:
        session.add(EventExpert(event_id=event.id, user_id=user_id))
    await skip_passed_notices(session, event, now, await reminder_leads(session, draft.guild_id), tz)
    await session.flush()
    return event


# --- reading ----------------------------------------------------------------------------------


async def get_event(session: AsyncSession, guild_id: int, event_id: int) -> Event:
    event = await session.get(Event, event_id)
    if event is None or event.guild_id != guild_id:
        raise UserError("event.unknown")
    return event


async def upcoming(
    session: AsyncSession, guild_id: int, now: datetime, *, kind: str | None = None, until: datetime | None = None
) -> list[Event]:
    """Scheduled events that have not ended, soonest first."""
    stmt = select(Event).where(
        Event.guild_id == guild_id, Event.status == EventStatus.SCHEDULED.value, Event.ends_at > now
    )
    if kind is not None:
        stmt = stmt.where(Event.kind == kind)
    if until is not None:
        stmt = stmt.where(Event.starts_at < until)
    return list((await session.execute(stmt.order_by(Event.starts_at, Event.id))).scalars())


def choice_label(event: Event, tz: ZoneInfo) -> str:
    """Plain text for autocomplete (no Discord timestamps there): ``Title · 03-12-2026 19:30``."""
    return f"{event.title} · {event.starts_at.astimezone(tz):%d-%m-%Y %H:%M}"[:100]


async def search_upcoming(
    session: AsyncSession,
    guild_id: int,
    now: datetime,
    query: str,
    tz: ZoneInfo,
    *,
    kind: str | None = None,
    not_started: bool = True,
) -> list[tuple[int, str]]:
    needle = clean(query).casefold()
    found = []
    for event in await upcoming(session, guild_id, now, kind=kind):
        if not_started and event.starts_at <= now:
            continue
        if needle and needle not in event.title.casefold() and needle != str(event.id):
            continue
        found.append((event.id, choice_label(event, tz)))
    return found[:25]


@dataclass(frozen=True, slots=True)
class Counts:
    going: int = 0
    maybe: int = 0
    not_going: int = 0
    waitlist: int = 0


async def counts(session: AsyncSession, event_ids: list[int]) -> dict[int, Counts]:
    rows = await session.execute(
        select(EventRsvp.event_id, EventRsvp.status, func.count())
        .where(EventRsvp.event_id.in_(event_ids))
        .group_by(EventRsvp.event_id, EventRsvp.status)
    )
    raw: dict[int, dict[str, int]] = {}
    for event_id, status, count in rows:
        raw.setdefault(event_id, {})[status] = count
    return {event_id: Counts(**raw.get(event_id, {})) for event_id in event_ids}


async def statuses_of(session: AsyncSession, event_ids: list[int], user_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(EventRsvp.event_id, EventRsvp.status).where(
            EventRsvp.event_id.in_(event_ids), EventRsvp.user_id == user_id
        )
    )
    return {row[0]: row[1] for row in rows}


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    locale: str | None  # the member's remembered language, None when never seen


async def recipients(session: AsyncSession, event: Event, statuses: tuple[str, ...]) -> list[Recipient]:
    """Members whose answer to this event is one of ``statuses``, in the order they answered.

    Answering Going or Maybe (or waiting for a place) is consent to this event's notices by DM,
    whether or not the member joined introductions; "Can't go" withdraws it.
    """
    rows = await session.execute(
        select(EventRsvp.user_id, Member.locale)
        .outerjoin(Member, (Member.guild_id == event.guild_id) & (Member.user_id == EventRsvp.user_id))
        .where(EventRsvp.event_id == event.id, EventRsvp.status.in_(statuses))
        .order_by(EventRsvp.id)
    )
    return [Recipient(user_id, locale) for user_id, locale in rows]


async def member_locales(session: AsyncSession, guild_id: int, user_ids: Sequence[int]) -> dict[int, str]:
    rows = await session.execute(
        select(Member.user_id, Member.locale).where(Member.guild_id == guild_id, Member.user_id.in_(list(user_ids)))
    )
    return {row[0]: row[1] for row in rows}


async def linked_challenges(session: AsyncSession, event_id: int) -> list[tuple[int, str]]:
    """Challenges linked to the event that are not closed: (id, title)."""
    rows = await session.execute(
        select(Challenge.id, Challenge.title)
        .where(Challenge.event_id == event_id, Challenge.status != ChallengeStatus.CLOSED.value)
        .order_by(Challenge.id)
    )
    return [(challenge_id, title) for challenge_id, title in rows]


async def upcoming_hackathons(session: AsyncSession, guild_id: int, now: datetime) -> list[tuple[int, str, datetime]]:
    """Scheduled hackathons that have not started: (id, title, starts_at), soonest first."""
    rows = await session.execute(
        select(Event.id, Event.title, Event.starts_at)
        .where(
            Event.guild_id == guild_id,
            Event.kind == EventKind.HACKATHON.value,
            Event.status == EventStatus.SCHEDULED.value,
            Event.starts_at > now,
        )
        .order_by(Event.starts_at, Event.id)
    )
    return [(event_id, title, starts_at) for event_id, title, starts_at in rows]


async def servers_with_events_channel(session: AsyncSession) -> list[GuildSettings]:
    stmt = select(GuildSettings).where(GuildSettings.events_channel_id.is_not(None))
    return list((await session.execute(stmt)).scalars())
