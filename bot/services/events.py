"""Events (hackathons, ask-the-expert sessions, meetups): validation, RSVPs and scheduled notices.

No discord here: the cog creates the native Discord event and posts messages; this module
decides what is valid, what is stored and what is due. Every input is validated before any
write, so a refused request changes nothing.

Times are stored in UTC. Members type them in the server's time zone; a local time that
does not exist (the hour skipped when clocks go forward) is refused, one that happens twice
(when clocks go back) means its first occurrence.

Exactly once: every scheduled message of an event (its announcement, each reminder, the
questions for the experts) is an ``EventNotice`` row, unique per event and kind, inserted
before the message is sent. A second attempt finds the row and sends nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import UserError
from bot.services import guilds
from bot.services.schedule import due_round
from bot.text import clean
from models import (
    AgendaPost,
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
    RsvpStatus,
)

TITLE_MAX = 100
DESCRIPTION_MAX = 1000
LOCATION_MAX = 100  # Discord's limit for an external event's location
TOPIC_MAX = 60
TOPICS_MAX = 10
CAPACITY_MAX = 10_000
DURATION_MIN = timedelta(minutes=15)
DURATION_MAX = timedelta(days=3)
SLOT_MINUTES = range(5, 241)
SLOTS_MAX = 25  # one select menu
REMINDERS_MAX = 5
REMINDER_MIN = timedelta(minutes=5)
REMINDER_MAX = timedelta(days=30)
QUESTIONS_LEAD = timedelta(hours=1)
AGENDA_SPAN = timedelta(days=14)
# Events that started less than this long ago still get their missed notices recorded (as skipped).
LOOK_BACK = timedelta(days=1)

ANNOUNCE = "announce"
QUESTIONS = "questions"
REMIND_PREFIX = "remind_"

_TOPIC_SPLIT = re.compile(r"[|,;\n]")
_START = re.compile(
    r"^\s*(?:(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})|(?P<d2>\d{1,2})[-/](?P<m2>\d{1,2})[-/](?P<y2>\d{4}))"
    r"(?:\s+|\s*[Tt]\s*)(?:om\s+|at\s+)?(?P<H>\d{1,2})[:.](?P<M>\d{2})\s*$"
)
_DURATION = re.compile(
    r"^(?:(?P<d>\d+)\s*(?:d|dag|dagen|days?)\s*)?"
    r"(?:(?P<h>\d+(?:[.,]\d+)?)\s*(?:h|u|uur|hrs?|hours?)\s*)?"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minutes?|minuten)?)?$"
)
_LEAD = re.compile(r"^(?P<n>\d+)\s*(?P<unit>d|h|m|u)$")


# --- parsing ---------------------------------------------------------------------------------


def parse_start(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """``2026-12-03 19:30`` (or ``3-12-2026 19:30``) in ``tz`` → an aware UTC instant in the future."""
    found = _START.match(text or "")
    if found is None:
        raise UserError("event.bad_start", value=(text or "")[:40])
    parts = found.groupdict()
    try:
        naive = datetime(
            int(parts["y"] or parts["y2"]),
            int(parts["m"] or parts["m2"]),
            int(parts["d"] or parts["d2"]),
            int(parts["H"]),
            int(parts["M"]),
        )
    except ValueError:
        raise UserError("event.bad_start", value=text[:40]) from None
    instant = naive.replace(tzinfo=tz).astimezone(UTC)
    # A wall-clock time skipped by daylight saving does not survive the round trip.
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        raise UserError("event.skipped_time", value=text.strip()[:40], zone=tz.key)
    if instant <= now:
        raise UserError("event.past", value=text.strip()[:40])
    return instant


def parse_duration(text: str) -> timedelta:
    """``90``, ``90m``, ``2h``, ``1h30``, ``1:30``, ``2u``, ``48h``, ``2d`` → a duration (15 minutes to 3 days)."""
    cleaned = (text or "").strip().lower()
    clock = re.fullmatch(r"(\d{1,2}):(\d{2})", cleaned)
    duration: timedelta | None = None
    if clock:
        duration = timedelta(hours=int(clock[1]), minutes=int(clock[2]))
    elif cleaned:
        found = _DURATION.match(cleaned)
        if found and any(found.groupdict().values()):
            hours = float((found["h"] or "0").replace(",", "."))
            duration = timedelta(days=int(found["d"] or 0), hours=hours, minutes=int(found["m"] or 0))
    if duration is None:
        raise UserError("event.bad_duration", value=(text or "")[:20])
    if not DURATION_MIN <= duration <= DURATION_MAX:
        raise UserError("event.duration_range", value=text.strip()[:20])
    return duration


@dataclass(frozen=True, slots=True)
class Lead:
    """A reminder's lead time before the start; its kind (``remind_1d``) names its notice."""

    delta: timedelta

    @property
    def label(self) -> str:
        minutes = int(self.delta.total_seconds() // 60)
        if minutes % 1440 == 0:
            return f"{minutes // 1440}d"
        if minutes % 60 == 0:
            return f"{minutes // 60}h"
        return f"{minutes}m"

    @property
    def kind(self) -> str:
        return REMIND_PREFIX + self.label

    @property
    def whole_days(self) -> bool:
        return self.delta % timedelta(days=1) == timedelta(0)


def parse_reminders(text: str | None) -> list[Lead]:
    """``7d,1d,1h`` → leads, longest first. ``none``, ``geen``, ``off`` or ``-`` → no reminders."""
    cleaned = (text or "").strip().lower()
    if cleaned in ("", "none", "geen", "off", "uit", "-", "0"):
        return []
    leads: dict[timedelta, Lead] = {}
    for raw in re.split(r"[,;\s]+", cleaned):
        if not raw:
            continue
        found = _LEAD.match(raw)
        if found is None:
            raise UserError("event.bad_reminders", value=raw[:20])
        n, unit = int(found["n"]), found["unit"]
        delta = {"d": timedelta(days=n), "h": timedelta(hours=n), "u": timedelta(hours=n), "m": timedelta(minutes=n)}[
            unit
        ]
        if not REMINDER_MIN <= delta <= REMINDER_MAX:
            raise UserError("event.bad_reminders", value=raw[:20])
        leads[delta] = Lead(delta)
    if len(leads) > REMINDERS_MAX:
        raise UserError("event.too_many_reminders", max=REMINDERS_MAX)
    return sorted(leads.values(), key=lambda lead: lead.delta, reverse=True)


def format_reminders(leads: list[Lead]) -> str:
    return ",".join(lead.label for lead in leads)


def parse_topics(text: str | None) -> list[str]:
    """``circulaire economie, subsidies`` → distinct topics (each 2–60 characters, at most 10)."""
    topics: dict[str, str] = {}
    for raw in _TOPIC_SPLIT.split(text or ""):
        topic = clean(raw)
        if not topic:
            continue
        if not 2 <= len(topic) <= TOPIC_MAX:
            raise UserError("event.bad_topic", topic=topic[:TOPIC_MAX], max=TOPIC_MAX)
        topics.setdefault(topic.casefold(), topic)
    if len(topics) > TOPICS_MAX:
        raise UserError("event.too_many_topics", max=TOPICS_MAX)
    return list(topics.values())


def clean_description(text: str | None) -> str:
    """Keeps line breaks (at most one empty line in a row); other control characters become spaces."""
    lines = [clean(line) for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not joined:
        raise UserError("event.description_empty")
    if len(joined) > DESCRIPTION_MAX:
        raise UserError("event.description_too_long", max=DESCRIPTION_MAX, length=len(joined))
    return joined


def _title(text: str) -> str:
    title = clean(text)
    if len(title) < 2:
        raise UserError("event.title_short")
    if len(title) > TITLE_MAX:
        raise UserError("event.title_too_long", max=TITLE_MAX, length=len(title))
    return title


def _place(location: str | None, channel_id: int | None) -> str | None:
    text = clean(location) or None
    if text is not None and channel_id is not None:
        raise UserError("event.location_both")
    if text is None and channel_id is None:
        raise UserError("event.location_missing")
    if text is not None and len(text) > LOCATION_MAX:
        raise UserError("event.location_too_long", max=LOCATION_MAX, length=len(text))
    return text


def _capacity(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= CAPACITY_MAX:
        raise UserError("event.bad_capacity", value=value, max=CAPACITY_MAX)
    return value


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


async def reminder_leads(session: AsyncSession, guild_id: int) -> list[Lead]:
    settings = await guilds.get_settings(session, guild_id)
    try:
        return parse_reminders(settings.event_reminders)
    except UserError:
        return [Lead(timedelta(days=7)), Lead(timedelta(days=1)), Lead(timedelta(hours=1))]


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
    await session.flush()
    return claimed


async def reset_notices(session: AsyncSession, event: Event, now: datetime, tz: ZoneInfo) -> None:
    """After a new start time: reminders and questions are planned afresh (passed ones skipped)."""
    await session.execute(
        delete(EventNotice).where(EventNotice.event_id == event.id, EventNotice.kind != ANNOUNCE)
    )
    await skip_passed_notices(session, event, now, await reminder_leads(session, event.guild_id), tz)


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
    session: AsyncSession, guild_id: int, now: datetime, query: str, tz: ZoneInfo, *, kind: str | None = None,
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
    locale: str | None
    joined: bool  # consent to DMs (Member.intro_joined)


async def recipients(session: AsyncSession, event: Event, statuses: tuple[str, ...]) -> list[Recipient]:
    rows = await session.execute(
        select(EventRsvp.user_id, Member.locale, Member.intro_joined)
        .outerjoin(Member, (Member.guild_id == event.guild_id) & (Member.user_id == EventRsvp.user_id))
        .where(EventRsvp.event_id == event.id, EventRsvp.status.in_(statuses))
        .order_by(EventRsvp.id)
    )
    return [Recipient(user_id, locale, bool(joined)) for user_id, locale, joined in rows]


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
    return [tuple(row) for row in rows]


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
    return [tuple(row) for row in rows]


async def servers_with_events_channel(session: AsyncSession) -> list[GuildSettings]:
    stmt = select(GuildSettings).where(GuildSettings.events_channel_id.is_not(None))
    return list((await session.execute(stmt)).scalars())


# --- RSVPs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RsvpResult:
    status: str
    changed: bool
    position: int | None = None  # on the waitlist
    promoted: tuple[int, ...] = ()


def _open_for_answers(event: Event, now: datetime) -> None:
    if event.status == EventStatus.CANCELLED.value:
        raise UserError("event.is_cancelled", title=event.title)
    if event.starts_at <= now:
        raise UserError("event.started", title=event.title)


async def _going(session: AsyncSession, event_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(EventRsvp.event_id == event_id, EventRsvp.status == RsvpStatus.GOING.value)
        )
        or 0
    )


async def waitlist_position(session: AsyncSession, event_id: int, user_id: int) -> int | None:
    waiting = list(
        (
            await session.execute(
                select(EventRsvp.user_id)
                .where(EventRsvp.event_id == event_id, EventRsvp.status == RsvpStatus.WAITLIST.value)
                .order_by(EventRsvp.waitlisted_at, EventRsvp.id)
            )
        ).scalars()
    )
    return waiting.index(user_id) + 1 if user_id in waiting else None


async def promote(session: AsyncSession, event: Event) -> tuple[int, ...]:
    """Fill free places from the waitlist, first come first served; the promoted user ids."""
    if event.capacity is None:
        free = None
    else:
        free = event.capacity - await _going(session, event.id)
        if free <= 0:
            return ()
    stmt = (
        select(EventRsvp)
        .where(EventRsvp.event_id == event.id, EventRsvp.status == RsvpStatus.WAITLIST.value)
        .order_by(EventRsvp.waitlisted_at, EventRsvp.id)
    )
    if free is not None:
        stmt = stmt.limit(free)
    promoted = []
    for row in (await session.execute(stmt)).scalars():
        row.status = RsvpStatus.GOING.value
        row.waitlisted_at = None
        promoted.append(row.user_id)
    await session.flush()
    return tuple(promoted)


async def rsvp(session: AsyncSession, guild_id: int, event_id: int, user_id: int, choice: str, now: datetime) -> RsvpResult:
    """Going, Maybe or Can't go. With a capacity, Going beyond it joins the waitlist; a freed
    place goes to the first on the waitlist."""
    wanted = RsvpStatus(choice)
    if wanted is RsvpStatus.WAITLIST:
        raise UserError("event.unknown")
    event = await get_event(session, guild_id, event_id)
    _open_for_answers(event, now)
    row = (
        await session.execute(select(EventRsvp).where(EventRsvp.event_id == event_id, EventRsvp.user_id == user_id))
    ).scalar_one_or_none()
    previous = row.status if row else None
    if previous == wanted.value:
        return RsvpResult(previous, False)
    if wanted is RsvpStatus.GOING and previous == RsvpStatus.WAITLIST.value:
        return RsvpResult(previous, False, await waitlist_position(session, event_id, user_id))
    status = wanted.value
    if wanted is RsvpStatus.GOING and event.capacity is not None and await _going(session, event_id) >= event.capacity:
        status = RsvpStatus.WAITLIST.value
    if row is None:
        row = EventRsvp(event_id=event_id, user_id=user_id, status=status)
        session.add(row)
    row.status = status
    row.waitlisted_at = now if status == RsvpStatus.WAITLIST.value else None
    await session.flush()
    promoted: tuple[int, ...] = ()
    if previous == RsvpStatus.GOING.value:
        promoted = await promote(session, event)
    position = await waitlist_position(session, event_id, user_id) if status == RsvpStatus.WAITLIST.value else None
    return RsvpResult(status, True, position, promoted)


# --- editing and cancelling ---------------------------------------------------------------------


@dataclass(slots=True)
class Edit:
    """Validated new values; None means unchanged."""

    event_id: int
    title: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: str | None = None
    location_channel_id: int | None = None
    place_changed: bool = False
    capacity: int | None = None
    topics: list[str] | None = None
    description: str | None = None

    @property
    def time_changed(self) -> bool:
        return self.starts_at is not None or self.ends_at is not None

    @property
    def empty(self) -> bool:
        return not (
            self.title or self.time_changed or self.place_changed or self.capacity or self.topics is not None
            or self.description is not None
        )


def ensure_editable(event: Event, now: datetime) -> None:
    if event.status == EventStatus.CANCELLED.value:
        raise UserError("event.is_cancelled", title=event.title)
    if event.starts_at <= now:
        raise UserError("event.started", title=event.title)


def validate_edit(
    event: Event,
    *,
    title: str | None,
    start: str | None,
    duration: str | None,
    location: str | None,
    channel_id: int | None,
    capacity: int | None,
    topics: str | None,
    description: str | None = None,
    tz: ZoneInfo,
    now: datetime,
) -> Edit:
    ensure_editable(event, now)
    edit = Edit(event.id)
    if title is not None:
        edit.title = _title(title)
    if start is not None or duration is not None:
        starts_at = parse_start(start, tz, now) if start is not None else event.starts_at
        length = parse_duration(duration) if duration is not None else event.ends_at - event.starts_at
        edit.starts_at, edit.ends_at = starts_at, starts_at + length
        if event.slot_minutes and not 1 <= int(length / timedelta(minutes=event.slot_minutes)) <= SLOTS_MAX:
            raise UserError("event.slot_count", count=int(length / timedelta(minutes=event.slot_minutes)), max=SLOTS_MAX)
    if location is not None or channel_id is not None:
        edit.location = _place(location, channel_id)
        edit.location_channel_id = channel_id
        edit.place_changed = True
    if capacity is not None:
        edit.capacity = _capacity(capacity)
    if topics is not None:
        if event.kind != EventKind.EXPERT_SESSION:
            raise UserError("event.session_only")
        edit.topics = parse_topics(topics)
        if not edit.topics:
            raise UserError("event.topics_missing")
    if description is not None:
        edit.description = clean_description(description)
    return edit


async def apply_edit(session: AsyncSession, guild_id: int, edit: Edit, *, now: datetime, tz: ZoneInfo) -> tuple[int, ...]:
    """Store the changes; returns members promoted from the waitlist (a larger capacity)."""
    event = await get_event(session, guild_id, edit.event_id)
    if edit.title is not None:
        event.title = edit.title
    if edit.description is not None:
        event.description = edit.description
    if edit.place_changed:
        event.location, event.location_channel_id = edit.location, edit.location_channel_id
    if edit.topics is not None:
        event.topics = "|".join(edit.topics)
    if edit.time_changed:
        assert edit.starts_at is not None and edit.ends_at is not None
        event.starts_at, event.ends_at = edit.starts_at, edit.ends_at
        await session.flush()
        await reset_notices(session, event, now, tz)
    promoted: tuple[int, ...] = ()
    if edit.capacity is not None:
        event.capacity = edit.capacity
        await session.flush()
        promoted = await promote(session, event)
    await session.flush()
    return promoted


async def cancel(session: AsyncSession, guild_id: int, event_id: int, now: datetime) -> Event:
    """Mark the event cancelled: nothing further is scheduled for it."""
    event = await get_event(session, guild_id, event_id)
    if event.status == EventStatus.CANCELLED.value:
        raise UserError("event.is_cancelled", title=event.title)
    if event.ends_at <= now:
        raise UserError("event.over", title=event.title)
    event.status = EventStatus.CANCELLED.value
    await session.flush()
    return event


async def configure(session: AsyncSession, guild_id: int, *, channel_id: int, reminders: str | None) -> GuildSettings:
    leads = parse_reminders(reminders) if reminders is not None else None
    return await guilds.configure_events(
        session, guild_id, channel_id=channel_id, reminders=format_reminders(leads) if leads is not None else None
    )


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


async def claim_agenda(session: AsyncSession, guild_id: int, week: str) -> bool:
    """Record the week's agenda before it is posted; False when it was recorded before."""
    try:
        async with session.begin_nested():
            session.add(AgendaPost(guild_id=guild_id, week=week))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def set_agenda_message(session: AsyncSession, guild_id: int, week: str, message_id: int) -> None:
    post = (
        await session.execute(select(AgendaPost).where(AgendaPost.guild_id == guild_id, AgendaPost.week == week))
    ).scalar_one_or_none()
    if post is not None:
        post.message_id = message_id
