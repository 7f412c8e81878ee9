"""Answers to events (with the waitlist), editing and cancelling."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import UserError
from bot.services import guilds
from bot.services.events.notices import (
    reset_notices,
)
from bot.services.events.records import (
    get_event,
)
from bot.services.events.rules import (
    SLOTS_MAX,
    _capacity,
    _place,
    _title,
    clean_description,
    format_reminders,
    parse_duration,
    parse_reminders,
    parse_start,
    parse_topics,
)
from models import (
    Event,
    EventKind,
    EventRsvp,
    EventStatus,
    GuildSettings,
    RsvpStatus,
)

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


async def rsvp(
    session: AsyncSession, guild_id: int, event_id: int, user_id: int, choice: str, now: datetime
) -> RsvpResult:
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


async def native_interest(
    session: AsyncSession, guild_id: int, native_event_id: int, user_id: int, *, interested: bool, now: datetime
) -> int | None:
    """ "Interested" on the event's native Discord event counts as Maybe.

    Marking interest gives a member without an answer (or with "Can't go") a Maybe; Going and the
    waitlist stay as they are. Taking the interest back takes back a Maybe. Returns the event's id
    when an answer changed, else None (unknown native event, started, cancelled, nothing to do).
    """
    event = (
        await session.execute(select(Event).where(Event.guild_id == guild_id, Event.native_event_id == native_event_id))
    ).scalar_one_or_none()
    if event is None or event.status != EventStatus.SCHEDULED.value or event.starts_at <= now:
        return None
    row = (
        await session.execute(select(EventRsvp).where(EventRsvp.event_id == event.id, EventRsvp.user_id == user_id))
    ).scalar_one_or_none()
    if interested:
        if row is None:
            session.add(EventRsvp(event_id=event.id, user_id=user_id, status=RsvpStatus.MAYBE.value))
        elif row.status == RsvpStatus.NOT_GOING.value:
            row.status = RsvpStatus.MAYBE.value
        else:
            return None
    elif row is not None and row.status == RsvpStatus.MAYBE.value:
        await session.delete(row)
    else:
        return None
    await session.flush()
    return event.id


async def add_interested(session: AsyncSession, event_id: int, user_ids: set[int], now: datetime) -> bool:
    """Members interested in the native event who have not answered get a Maybe; True when any did.

    Catches interest the bot did not hear about as it happened (offline, or a member it never saw).
    An existing answer, "Can't go" included, is never overwritten here.
    """
    event = await session.get(Event, event_id)
    if event is None or event.status != EventStatus.SCHEDULED.value or event.starts_at <= now or not user_ids:
        return False
    answered = set(
        (
            await session.execute(
                select(EventRsvp.user_id).where(EventRsvp.event_id == event_id, EventRsvp.user_id.in_(user_ids))
            )
        ).scalars()
    )
    new = sorted(user_ids - answered)
    for user_id in new:
        session.add(EventRsvp(event_id=event_id, user_id=user_id, status=RsvpStatus.MAYBE.value))
    await session.flush()
    return bool(new)


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
    expert_ids: list[int] = field(default_factory=list)  # experts to add to the session

    @property
    def time_changed(self) -> bool:
        return self.starts_at is not None or self.ends_at is not None

    @property
    def empty(self) -> bool:
        return not (
            self.title
            or self.time_changed
            or self.place_changed
            or self.capacity
            or self.topics is not None
            or self.description is not None
            or self.expert_ids
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
    expert_ids: list[int] | None = None,
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
            raise UserError(
                "event.slot_count", count=int(length / timedelta(minutes=event.slot_minutes)), max=SLOTS_MAX
            )
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
    if expert_ids:
        if event.kind != EventKind.EXPERT_SESSION:
            raise UserError("event.session_only")
        edit.expert_ids = list(dict.fromkeys(expert_ids))
    return edit


async def apply_edit(
    session: AsyncSession, guild_id: int, edit: Edit, *, now: datetime, tz: ZoneInfo
) -> tuple[int, ...]:
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
