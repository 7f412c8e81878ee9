"""Challenges in the database: reading, posting, teams and status."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.errors import UserError
from bot.services import guilds
from bot.services.challenges.rules import (
    FINAL,
    next_statuses,
    parse_deadline,
    parse_description,
    parse_owner,
    parse_skills,
    parse_title,
)
from bot.text import fold
from models import (
    Challenge,
    ChallengeInvite,
    ChallengeMember,
    ChallengeStatus,
    Event,
    EventKind,
    EventStatus,
    GuildSettings,
)

# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventInfo:
    id: int
    title: str
    starts_at: datetime
    link: str | None  # the event's announcement, when it has one


@dataclass(frozen=True, slots=True)
class ChallengeView:
    """Everything a post, a list line or an invitation shows about one challenge."""

    id: int
    guild_id: int
    title: str
    description: str
    skills: list[str]
    owner: str | None
    deadline: datetime | None
    status: str
    team: list[int]
    event: EventInfo | None
    # Where the post's message is (a forum post's own thread, or the text channel), and its thread.
    channel_id: int | None
    message_id: int | None
    thread_id: int | None

    @property
    def finished(self) -> bool:
        return self.status in FINAL


@dataclass(frozen=True, slots=True)
class Draft:
    """A validated /challenge post, waiting for its description."""

    guild_id: int
    title: str
    skills: list[str]
    owner: str | None
    deadline: datetime | None
    event_id: int | None
    channel_id: int


async def _load(session: AsyncSession, challenge_id: int, guild_id: int | None) -> Challenge:
    stmt = select(Challenge).where(Challenge.id == challenge_id).options(selectinload(Challenge.members))
    challenge = (await session.execute(stmt)).scalar_one_or_none()
    if challenge is None or (guild_id is not None and challenge.guild_id != guild_id):
        raise UserError("challenge.unknown", id=challenge_id)
    return challenge


async def _event_info(session: AsyncSession, event_id: int | None) -> EventInfo | None:
    if event_id is None:
        return None
    event = await session.get(Event, event_id)
    if event is None:
        return None
    link = None
    if event.announcement_channel_id and event.announcement_message_id:
        link = (
            f"https://discord.com/channels/{event.guild_id}/"
            f"{event.announcement_channel_id}/{event.announcement_message_id}"
        )
    return EventInfo(event.id, event.title, event.starts_at, link)


async def view(session: AsyncSession, challenge_id: int, guild_id: int | None = None) -> ChallengeView:
    challenge = await _load(session, challenge_id, guild_id)
    return await _view_of(session, challenge)


async def _view_of(session: AsyncSession, challenge: Challenge) -> ChallengeView:
    return ChallengeView(
        id=challenge.id,
        guild_id=challenge.guild_id,
        title=challenge.title,
        description=challenge.description,
        skills=challenge.skills.split("|"),
        owner=challenge.owner_organisation,
        deadline=challenge.deadline,
        status=challenge.status,
        team=[m.user_id for m in challenge.members],
        event=await _event_info(session, challenge.event_id),
        channel_id=challenge.channel_id,
        message_id=challenge.message_id,
        thread_id=challenge.thread_id,
    )


async def of_event(session: AsyncSession, event_id: int) -> list[int]:
    """Ids of the challenges linked to an event, oldest first."""
    rows = await session.execute(select(Challenge.id).where(Challenge.event_id == event_id).order_by(Challenge.id))
    return list(rows.scalars())


async def choices(
    session: AsyncSession, guild_id: int, current: str, *, statuses: Collection[str] | None = None, limit: int = 25
) -> list[tuple[int, str]]:
    """(id, "#id title") for autocomplete: matching the number or a part of the title, newest first."""
    stmt = select(Challenge.id, Challenge.title).where(Challenge.guild_id == guild_id)
    if statuses is not None:
        stmt = stmt.where(Challenge.status.in_(list(statuses)))
    needle = fold(current.lstrip("#"))
    found = []
    for challenge_id, title in await session.execute(stmt.order_by(Challenge.id.desc())):
        if not needle or needle in fold(title) or needle == str(challenge_id):
            found.append((challenge_id, f"#{challenge_id} {title}"[:100]))
        if len(found) >= limit:
            break
    return found


async def _hackathon(session: AsyncSession, guild_id: int, event_id: int, now: datetime) -> Event:
    event = await session.get(Event, event_id)
    if event is None or event.guild_id != guild_id:
        raise UserError("challenge.unknown_event", id=event_id)
    if event.kind != EventKind.HACKATHON.value:
        raise UserError("challenge.not_hackathon", title=event.title)
    if event.status != EventStatus.SCHEDULED.value or event.starts_at <= now:
        raise UserError("challenge.event_over", title=event.title)
    return event


# --- settings --------------------------------------------------------------------------------


async def configure_channel(session: AsyncSession, guild_id: int, channel_id: int) -> GuildSettings:
    settings = await guilds.get_settings(session, guild_id)
    if settings not in session:
        session.add(settings)
    settings.challenges_channel_id = channel_id
    await session.flush()
    return settings


# --- posting ---------------------------------------------------------------------------------


async def prepare(
    session: AsyncSession,
    guild_id: int,
    *,
    title: str,
    skills: str,
    owner: str | None,
    deadline: str | None,
    event_id: int | None,
    now: datetime,
    tz: ZoneInfo,
) -> Draft:
    """Validate everything /challenge post was given, before the description is asked for."""
    settings = await guilds.get_settings(session, guild_id)
    if settings.challenges_channel_id is None:
        raise UserError("challenge.no_channel")
    draft = Draft(
        guild_id=guild_id,
        title=parse_title(title),
        skills=parse_skills(skills),
        owner=parse_owner(owner),
        deadline=parse_deadline(deadline, now=now, tz=tz),
        event_id=event_id,
        channel_id=settings.challenges_channel_id,
    )
    if event_id is not None:
        await _hackathon(session, guild_id, event_id, now)
    return draft


async def create(session: AsyncSession, draft: Draft, description: str, *, created_by: int, now: datetime) -> Challenge:
    """Insert the challenge, still without its post (the caller posts it, then :func:`set_post`, or :func:`discard`)."""
    text = parse_description(description)
    if draft.event_id is not None:
        # The event may have been cancelled while the moderator was typing.
        await _hackathon(session, draft.guild_id, draft.event_id, now)
    if draft.deadline is not None and draft.deadline < now:
        raise UserError("challenge.deadline_past", date=draft.deadline.date().isoformat())
    challenge = Challenge(
        guild_id=draft.guild_id,
        title=draft.title,
        description=text,
        skills="|".join(draft.skills),
        owner_organisation=draft.owner,
        deadline=draft.deadline,
        event_id=draft.event_id,
        status=ChallengeStatus.OPEN.value,
        created_by=created_by,
        channel_id=draft.channel_id,
        created_at=now,
        members=[],
    )
    session.add(challenge)
    await session.flush()
    return challenge


async def set_post(
    session: AsyncSession, challenge_id: int, *, channel_id: int, message_id: int, thread_id: int
) -> None:
    challenge = await session.get(Challenge, challenge_id)
    assert challenge is not None
    challenge.channel_id, challenge.message_id, challenge.thread_id = channel_id, message_id, thread_id
    await session.flush()


async def discard(session: AsyncSession, challenge_id: int) -> None:
    """Remove a challenge whose post failed, so no challenge stays without its post."""
    challenge = await session.get(Challenge, challenge_id)
    if challenge is not None:
        await session.delete(challenge)
        await session.flush()


async def _invited(session: AsyncSession, challenge_id: int, user_id: int) -> bool:
    found = await session.execute(
        select(ChallengeInvite.id).where(
            ChallengeInvite.challenge_id == challenge_id, ChallengeInvite.user_id == user_id
        )
    )
    return found.first() is not None


# --- teams -----------------------------------------------------------------------------------


async def join(session: AsyncSession, challenge_id: int, user_id: int, *, guild_id: int | None) -> ChallengeView:
    """Join a team. Without a server (a button in a DM), only an invited member may join."""
    challenge = await _load(session, challenge_id, guild_id)
    if challenge.status in FINAL:
        raise UserError("challenge.finished", title=challenge.title)
    if any(m.user_id == user_id for m in challenge.members):
        raise UserError("challenge.already_joined", title=challenge.title)
    if guild_id is None and not await _invited(session, challenge_id, user_id):
        raise UserError("challenge.unknown", id=challenge_id)
    try:
        async with session.begin_nested():
            challenge.members.append(ChallengeMember(user_id=user_id))
            await session.flush()
    except IntegrityError:  # a double click raced this one
        raise UserError("challenge.already_joined", title=challenge.title) from None
    return await _view_of(session, challenge)


async def leave(session: AsyncSession, challenge_id: int, user_id: int, *, guild_id: int | None) -> ChallengeView:
    challenge = await _load(session, challenge_id, guild_id)
    if challenge.status in FINAL:
        raise UserError("challenge.finished", title=challenge.title)
    mine = next((m for m in challenge.members if m.user_id == user_id), None)
    if mine is None:
        raise UserError("challenge.not_joined", title=challenge.title)
    challenge.members.remove(mine)
    await session.flush()
    return await _view_of(session, challenge)


async def set_status(session: AsyncSession, guild_id: int, challenge_id: int, status: str) -> tuple[str, ChallengeView]:
    """Move a challenge one step forward, or close it. Returns the old status and the new state."""
    challenge = await _load(session, challenge_id, guild_id)
    wanted = ChallengeStatus(status)
    if wanted.value == challenge.status:
        raise UserError("challenge.same_status", title=challenge.title)
    if wanted not in next_statuses(challenge.status):
        raise UserError(f"challenge.bad_status.{challenge.status}", title=challenge.title)
    old = challenge.status
    challenge.status = wanted.value
    await session.flush()
    return old, await _view_of(session, challenge)
