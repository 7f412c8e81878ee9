"""Ask-the-expert: members who offer expertise, the experts of a session, questions and slots.

Topic fit uses the matching engine's text scoring (the same vocabulary, with the server's own
synonym groups, as offers and needs): an expert fits a topic when one of their topics scores at
least the engine's threshold against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import UserError
from bot.services import privacy
from bot.services.analyses import scorer_of, synonym_groups
from bot.services.events.notices import skip_slot_reminder
from bot.services.events.records import get_event
from bot.services.events.rules import QUESTIONS_LEAD, parse_topics
from bot.services.matching import DEFAULT_THRESHOLD
from bot.services.profiles import ensure_member
from bot.text import clean
from models import (
    ConsentVia,
    Event,
    EventExpert,
    EventKind,
    EventQuestion,
    EventSlot,
    EventStatus,
    Expert,
    Member,
    Purpose,
    utcnow,
)

QUESTION_MAX = 500
QUESTIONS_PER_MEMBER = 3


# --- experts ---------------------------------------------------------------------------------------


async def register(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    text: str,
    *,
    name: str | None,
    locale: str | None,
    now: datetime | None = None,
) -> list[str]:
    """Offer expertise on topics (replaces earlier topics): consent to be invited to expert sessions."""
    topics = parse_topics(text)
    if not topics:
        raise UserError("expert.no_topics")
    await ensure_member(session, guild_id, user_id, name=name, locale=locale)
    expert = (
        await session.execute(select(Expert).where(Expert.guild_id == guild_id, Expert.user_id == user_id))
    ).scalar_one_or_none()
    if expert is None:
        expert = Expert(guild_id=guild_id, user_id=user_id, topics="")
        session.add(expert)
    expert.topics = "|".join(topics)
    await privacy.give_consent(
        session, guild_id, user_id, Purpose.EXPERT_INVITATIONS, via=ConsentVia.COMMAND, now=now or utcnow()
    )
    await session.flush()
    return topics


async def unregister(session: AsyncSession, guild_id: int, user_id: int) -> None:
    gone = await session.scalars(
        delete(Expert).where(Expert.guild_id == guild_id, Expert.user_id == user_id).returning(Expert.id)
    )
    if not gone.first():
        raise UserError("expert.not_registered")
    await privacy.withdraw_consent(session, guild_id, user_id, Purpose.EXPERT_INVITATIONS)


@dataclass(frozen=True, slots=True)
class ExpertFit:
    user_id: int
    name: str
    topics: list[str]
    score: float
    # The expert's topic and the wanted topic behind the score (None without a wanted topic).
    best: tuple[str, str] | None = None


async def _experts(session: AsyncSession, guild_id: int) -> list[tuple[int, str, list[str]]]:
    rows = await session.execute(
        select(Expert.user_id, Member.name, Expert.topics)
        .outerjoin(Member, (Member.guild_id == Expert.guild_id) & (Member.user_id == Expert.user_id))
        # Members who left are in no expert list.
        .where(Expert.guild_id == guild_id, privacy.still_here(Expert.guild_id, Expert.user_id))
        .order_by(Expert.id)
    )
    return [(user_id, name or str(user_id), topics.split("|")) for user_id, name, topics in rows]


async def fitting(
    session: AsyncSession, guild_id: int, wanted: list[str], *, exclude: set[int] | None = None, limit: int = 25
) -> list[ExpertFit]:
    """Experts whose topics fit any wanted topic, best first; all experts when nothing is wanted."""
    experts = [e for e in await _experts(session, guild_id) if e[0] not in (exclude or set())]
    if not wanted:
        return [ExpertFit(u, n, t, 0.0) for u, n, t in experts][:limit]
    scorer = scorer_of(await synonym_groups(session, guild_id))
    found = []
    for user_id, name, topics in experts:
        score, best = max(((scorer.score(w, t), (t, w)) for w in wanted for t in topics), key=lambda s: s[0])
        if score >= DEFAULT_THRESHOLD:
            found.append(ExpertFit(user_id, name, topics, round(score, 1), best))
    found.sort(key=lambda f: (-f.score, f.name.casefold()))
    return found[:limit]


async def is_expert(session: AsyncSession, guild_id: int, user_id: int) -> bool:
    return (
        await session.scalar(select(Expert.id).where(Expert.guild_id == guild_id, Expert.user_id == user_id))
    ) is not None


async def unregistered(session: AsyncSession, guild_id: int, user_ids: Sequence[int]) -> list[int]:
    """Those of ``user_ids`` who did not register as experts (or left): they cannot be invited."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return []
    rows = await session.execute(
        select(Expert.user_id).where(
            Expert.guild_id == guild_id,
            Expert.user_id.in_(wanted),
            privacy.still_here(Expert.guild_id, Expert.user_id),
        )
    )
    registered = set(rows.scalars())
    return [u for u in wanted if u not in registered]


async def require_registered(session: AsyncSession, guild_id: int, user_ids: Sequence[int]) -> None:
    """Refuse to invite anyone who did not register as an expert (consent to expert invitations)."""
    missing = await unregistered(session, guild_id, user_ids)
    if missing:
        raise UserError("privacy.not_an_expert", member=missing[0])


async def add_to_session(session: AsyncSession, guild_id: int, event_id: int, user_id: int, now: datetime) -> bool:
    """Make a registered expert an expert of the session; False when they were already."""
    await require_registered(session, guild_id, [user_id])
    event = await get_event(session, guild_id, event_id)
    if event.kind != EventKind.EXPERT_SESSION:
        raise UserError("event.session_only")
    if event.status != EventStatus.SCHEDULED.value or event.starts_at <= now:
        raise UserError("event.started", title=event.title)
    try:
        async with session.begin_nested():
            session.add(EventExpert(event_id=event_id, user_id=user_id))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def session_experts(session: AsyncSession, event_id: int) -> list[int]:
    """The session's experts who are still in the server."""
    rows = await session.execute(
        select(EventExpert.user_id)
        .join(Event, Event.id == EventExpert.event_id)
        .where(EventExpert.event_id == event_id, privacy.still_here(Event.guild_id, EventExpert.user_id))
        .order_by(EventExpert.id)
    )
    return list(rows.scalars())


# --- questions ------------------------------------------------------------------------------------


def questions_close(event: Event) -> datetime:
    return event.starts_at - QUESTIONS_LEAD


async def ask(session: AsyncSession, guild_id: int, event_id: int, user_id: int, text: str, now: datetime) -> int:
    """Store a question for the session's experts; returns how many the member asked now."""
    question = clean(text)
    if len(question) < 3:
        raise UserError("question.too_short")
    if len(question) > QUESTION_MAX:
        raise UserError("question.too_long", max=QUESTION_MAX, length=len(question))
    event = await get_event(session, guild_id, event_id)
    if event.kind != EventKind.EXPERT_SESSION:
        raise UserError("question.not_a_session", title=event.title)
    if event.status != EventStatus.SCHEDULED.value:
        raise UserError("event.is_cancelled", title=event.title)
    if now >= questions_close(event):
        raise UserError("question.closed", title=event.title)
    asked = int(
        await session.scalar(
            select(func.count()).where(EventQuestion.event_id == event_id, EventQuestion.user_id == user_id)
        )
        or 0
    )
    if asked >= QUESTIONS_PER_MEMBER:
        raise UserError("question.limit", count=QUESTIONS_PER_MEMBER)
    session.add(EventQuestion(event_id=event_id, user_id=user_id, text=question))
    await session.flush()
    return asked + 1


async def questions(session: AsyncSession, event_id: int) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(EventQuestion.user_id, EventQuestion.text)
        .join(Event, Event.id == EventQuestion.event_id)
        # A member who left is never mentioned: their questions are not passed on.
        .where(EventQuestion.event_id == event_id, privacy.still_here(Event.guild_id, EventQuestion.user_id))
        .order_by(EventQuestion.id)
    )
    return [(user_id, text) for user_id, text in rows]


# --- slots ------------------------------------------------------------------------------------------


def slot_times(event: Event) -> list[datetime]:
    if not event.slot_minutes:
        return []
    step = timedelta(minutes=event.slot_minutes)
    count = int((event.ends_at - event.starts_at) / step)
    return [event.starts_at + i * step for i in range(count)]


async def booked(session: AsyncSession, event_id: int) -> dict[datetime, int]:
    rows = await session.execute(select(EventSlot.starts_at, EventSlot.user_id).where(EventSlot.event_id == event_id))
    return {row[0]: row[1] for row in rows}


@dataclass(frozen=True, slots=True)
class SlotView:
    free: list[datetime]
    mine: datetime | None
    total: int


async def slot_view(session: AsyncSession, guild_id: int, event_id: int, user_id: int, now: datetime) -> SlotView:
    event = await get_event(session, guild_id, event_id)
    if not event.slot_minutes:
        raise UserError("slot.none", title=event.title)
    if event.status != EventStatus.SCHEDULED.value:
        raise UserError("event.is_cancelled", title=event.title)
    if event.starts_at <= now:
        raise UserError("event.started", title=event.title)
    taken = await booked(session, event_id)
    mine = next((at for at, user in taken.items() if user == user_id), None)
    times = slot_times(event)
    return SlotView([t for t in times if t not in taken], mine, len(times))


async def book(
    session: AsyncSession, guild_id: int, event_id: int, user_id: int, at: datetime, now: datetime
) -> datetime:
    """Book one slot (moving an earlier booking of the member)."""
    view = await slot_view(session, guild_id, event_id, user_id, now)
    event = await get_event(session, guild_id, event_id)
    if at not in slot_times(event):
        raise UserError("slot.unknown")
    if at == view.mine:
        return at
    if at not in view.free:
        raise UserError("slot.taken")
    await session.execute(delete(EventSlot).where(EventSlot.event_id == event_id, EventSlot.user_id == user_id))
    try:
        async with session.begin_nested():
            session.add(EventSlot(event_id=event_id, user_id=user_id, starts_at=at))
            await session.flush()
    except IntegrityError:
        raise UserError("slot.taken") from None
    await skip_slot_reminder(session, event_id, at, now)
    return at


async def release(session: AsyncSession, guild_id: int, event_id: int, user_id: int) -> None:
    await get_event(session, guild_id, event_id)
    gone = await session.scalars(
        delete(EventSlot).where(EventSlot.event_id == event_id, EventSlot.user_id == user_id).returning(EventSlot.id)
    )
    if not gone.first():
        raise UserError("slot.not_booked")
