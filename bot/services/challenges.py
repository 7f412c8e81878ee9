"""Challenges: societal problems posted by moderators, the teams around them, and skill fit.

Every function takes an open ``AsyncSession`` (the caller owns the transaction). Validation
happens before any write, so a refused request changes nothing; a
:class:`~bot.errors.UserError` says why. Nothing here knows about Discord.

Skill fit reuses the matching engine: the needed skills become the needs of a synthetic
member (the *probe*) added to the server's :class:`MatchIndex` for the duration of one
synchronous call, so members are ranked and explained exactly like ``/match`` does.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.errors import UserError
from bot.services import guilds
from bot.services.matching import MatchIndex, MemberData, Reason, combine
from bot.text import clean, fold
from models import (
    Challenge,
    ChallengeInvite,
    ChallengeMember,
    ChallengeStatus,
    Event,
    EventKind,
    EventStatus,
    GuildSettings,
    Member,
)

TITLE_MAX = 100  # also Discord's limit for a thread name
DESCRIPTION_MAX = 2000
OWNER_MAX = 100
SKILL_MIN = 2
SKILL_MAX = 60
SKILLS_MAX = 10
SUGGEST_LIMIT = 5
# A synthetic engine member id: Discord ids are positive, so it never collides with a person.
PROBE_ID = -1

FLOW = (ChallengeStatus.OPEN, ChallengeStatus.TEAM_FORMED, ChallengeStatus.IN_PROGRESS, ChallengeStatus.DONE)
FINAL = frozenset({ChallengeStatus.DONE, ChallengeStatus.CLOSED})
ACTIVE = tuple(s for s in ChallengeStatus if s not in FINAL)
ACTIVE_VALUES = tuple(s.value for s in ACTIVE)

_SEPARATORS = re.compile(r"[,;|\n]")
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")


# --- validation ------------------------------------------------------------------------------


def parse_title(text: str | None) -> str:
    title = clean(text)
    if not title:
        raise UserError("challenge.no_title")
    if len(title) > TITLE_MAX:
        raise UserError("challenge.title_too_long", max=TITLE_MAX, length=len(title))
    return title


def parse_description(text: str | None) -> str:
    """Trimmed, with line breaks kept (paragraphs matter in a description); at most 2,000 characters."""
    lines = [clean(line) for line in (text or "").replace("\r\n", "\n").split("\n")]
    description = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not description:
        raise UserError("challenge.no_description")
    if len(description) > DESCRIPTION_MAX:
        raise UserError("challenge.description_too_long", max=DESCRIPTION_MAX, length=len(description))
    return description


def parse_skills(text: str | None) -> list[str]:
    """"subsidies, communicatie | data-analyse" → three skills; validated, duplicates dropped."""
    skills: dict[str, str] = {}
    for raw in _SEPARATORS.split(text or ""):
        skill = clean(raw)
        if not skill:
            continue
        if not SKILL_MIN <= len(skill) <= SKILL_MAX:
            raise UserError("challenge.bad_skill", skill=skill[:SKILL_MAX], min=SKILL_MIN, max=SKILL_MAX)
        skills.setdefault(fold(skill), skill)
    if not skills:
        raise UserError("challenge.no_skills")
    if len(skills) > SKILLS_MAX:
        raise UserError("challenge.too_many_skills", max=SKILLS_MAX)
    return list(skills.values())


def parse_owner(text: str | None) -> str | None:
    owner = clean(text)
    if len(owner) > OWNER_MAX:
        raise UserError("challenge.owner_too_long", max=OWNER_MAX, length=len(owner))
    return owner or None


def parse_deadline(text: str | None, *, now: datetime, tz: ZoneInfo) -> datetime | None:
    """A date ("2026-12-31", also "31-12-2026") in the server's time zone: the end of that day, in UTC."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    day: date | None = None
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(cleaned, fmt).date()
            break
        except ValueError:
            continue
    if day is None:
        raise UserError("challenge.bad_deadline", value=cleaned[:20])
    if day < now.astimezone(tz).date():
        raise UserError("challenge.deadline_past", date=day.isoformat())
    return datetime.combine(day, time(23, 59), tzinfo=tz).astimezone(UTC)


def next_statuses(status: str) -> list[ChallengeStatus]:
    """Forward one step along open → team formed → in progress → done, or closed from any unfinished status."""
    current = ChallengeStatus(status)
    if current in FINAL:
        return []
    return [FLOW[FLOW.index(current) + 1], ChallengeStatus.CLOSED]


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


async def hackathons(session: AsyncSession, guild_id: int, now: datetime) -> list[tuple[int, str, datetime]]:
    """Hackathons a challenge can be linked to: scheduled and not started yet, soonest first."""
    stmt = (
        select(Event.id, Event.title, Event.starts_at)
        .where(
            Event.guild_id == guild_id,
            Event.kind == EventKind.HACKATHON.value,
            Event.status == EventStatus.SCHEDULED.value,
            Event.starts_at > now,
        )
        .order_by(Event.starts_at, Event.id)
    )
    return [(row[0], row[1], row[2]) for row in await session.execute(stmt)]


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


async def create(
    session: AsyncSession, draft: Draft, description: str, *, created_by: int, now: datetime
) -> Challenge:
    """Insert the challenge (not committed: the caller posts it, then commits, or rolls back)."""
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


async def set_status(
    session: AsyncSession, guild_id: int, challenge_id: int, status: str
) -> tuple[str, ChallengeView]:
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


# --- skill fit -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SkillReason:
    skill: str
    offer: str
    score: float


@dataclass(frozen=True, slots=True)
class Fit:
    user_id: int
    name: str
    sector: str | None
    organisation: str | None
    score: float
    reasons: list[SkillReason] = field(default_factory=list)
    invited: bool = False


def _with_probe(index: MatchIndex, skills: Sequence[str]) -> MatchIndex:
    index.add_member(MemberData(member_id=PROBE_ID, sector=None, needs=list(skills), offers=()))
    return index


def rank(
    index: MatchIndex, skills: Sequence[str], *, eligible: Collection[int], limit: int = SUGGEST_LIMIT
) -> list[tuple[int, float, list[SkillReason]]]:
    """Members among ``eligible`` whose offers fit ``skills``, best first, with the reasons.

    The probe is added and removed within this one synchronous call: no other coroutine
    ever sees it in the shared index.
    """
    allowed = set(eligible)
    exclude = [m for m in index.member_ids() if m not in allowed]
    _with_probe(index, skills)
    try:
        found = index.suggest(PROBE_ID, limit, exclude=exclude)
    finally:
        index.remove_member(PROBE_ID)
    return [(s.member, round(float(s.score), 1), _skill_reasons(s.reasons)) for s in found]


def fit_of(index: MatchIndex, skills: Sequence[str], user_id: int) -> tuple[float, list[SkillReason]]:
    """How one member's offers fit the skills (score 0 and no reasons when they do not)."""
    return fits_of(index, [skills], user_id)[0]


def fits_of(
    index: MatchIndex, skill_lists: Sequence[Sequence[str]], user_id: int
) -> list[tuple[float, list[SkillReason]]]:
    """:func:`fit_of` for many challenges at once: one probe holding every skill, one engine call."""
    if user_id not in index or not skill_lists:
        return [(0.0, []) for _ in skill_lists]
    _with_probe(index, list(dict.fromkeys(s for skills in skill_lists for s in skills)))
    try:
        found = index.suggestion(PROBE_ID, user_id)
    finally:
        index.remove_member(PROBE_ID)
    # The engine reports each distinct meaning (form) once: map every skill to its form's best offer.
    best = {index.forms.form(r.skill): r for r in _skill_reasons(found.reasons)}
    results = []
    for skills in skill_lists:
        by_form: dict[int, SkillReason] = {}
        for skill in skills:
            form = index.forms.form(skill)
            hit = best.get(form)
            if hit is not None:
                by_form.setdefault(form, SkillReason(skill, hit.offer, hit.score))
        reasons = sorted(by_form.values(), key=lambda r: -r.score)
        results.append((combine((r.score for r in reasons), False), reasons))
    return results


def _skill_reasons(reasons: Sequence[Reason]) -> list[SkillReason]:
    """The probe's needs answered by the member's offers (the engine also looks the other way)."""
    return [SkillReason(r.need, r.offer, round(float(r.score), 1)) for r in reasons if r.need_of == PROBE_ID]


async def _consenting(session: AsyncSession, guild_id: int, now: datetime) -> dict[int, Member]:
    """Members who joined introductions and are not paused: the only ones proposed or invited."""
    rows = await session.execute(
        select(Member).where(
            Member.guild_id == guild_id,
            Member.intro_joined.is_(True),
            or_(Member.intro_paused_until.is_(None), Member.intro_paused_until <= now),
        )
    )
    return {m.user_id: m for m in rows.scalars()}


async def _invited(session: AsyncSession, challenge_id: int, user_id: int) -> bool:
    found = await session.execute(
        select(ChallengeInvite.id).where(
            ChallengeInvite.challenge_id == challenge_id, ChallengeInvite.user_id == user_id
        )
    )
    return found.first() is not None


async def suggest(
    session: AsyncSession,
    index: MatchIndex,
    guild_id: int,
    challenge_id: int,
    *,
    now: datetime,
    limit: int = SUGGEST_LIMIT,
) -> tuple[ChallengeView, list[Fit]]:
    """Members (who joined introductions, not on the team) whose offers fit the needed skills."""
    challenge = await _load(session, challenge_id, guild_id)
    people = await _consenting(session, guild_id, now)
    team = {m.user_id for m in challenge.members}
    invited = set(
        (
            await session.execute(select(ChallengeInvite.user_id).where(ChallengeInvite.challenge_id == challenge_id))
        ).scalars()
    )
    skills = challenge.skills.split("|")
    ranked = rank(index, skills, eligible=set(people) - team, limit=limit)
    fits = [
        Fit(
            user_id=user_id,
            name=people[user_id].name,
            sector=people[user_id].sector,
            organisation=people[user_id].organisation,
            score=score,
            reasons=reasons,
            invited=user_id in invited,
        )
        for user_id, score, reasons in ranked
    ]
    return await _view_of(session, challenge), fits


@dataclass(frozen=True, slots=True)
class Invitation:
    challenge: ChallengeView
    user_id: int
    name: str
    locale: str
    reasons: list[SkillReason]


async def invite(
    session: AsyncSession, index: MatchIndex, guild_id: int, challenge_id: int, user_id: int, *, now: datetime
) -> Invitation:
    """Record an invitation (once per member and challenge); consent is checked again now."""
    challenge = await _load(session, challenge_id, guild_id)
    if challenge.status in FINAL:
        raise UserError("challenge.finished", title=challenge.title)
    member = (await _consenting(session, guild_id, now)).get(user_id)
    if member is None:
        raise UserError("challenge.invite_no_consent")
    if any(m.user_id == user_id for m in challenge.members):
        raise UserError("challenge.invite_on_team", name=member.name)
    try:
        async with session.begin_nested():
            session.add(ChallengeInvite(challenge_id=challenge_id, user_id=user_id, created_at=now))
            await session.flush()
    except IntegrityError:
        raise UserError("challenge.already_invited", name=member.name) from None
    _score, reasons = fit_of(index, challenge.skills.split("|"), user_id)
    return Invitation(await _view_of(session, challenge), user_id, member.name, member.locale, reasons)


# --- the list for members ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    challenge: ChallengeView
    score: float
    reasons: list[SkillReason]


async def for_member(
    session: AsyncSession,
    index: MatchIndex,
    guild_id: int,
    user_id: int,
    *,
    status: str | None = None,
    skill: str | None = None,
) -> list[Listed]:
    """Challenges (unfinished unless a status is asked for), those the member's offers fit first."""
    stmt = select(Challenge).where(Challenge.guild_id == guild_id).options(selectinload(Challenge.members))
    statuses = [ChallengeStatus(status).value] if status else list(ACTIVE_VALUES)
    stmt = stmt.where(Challenge.status.in_(statuses)).order_by(Challenge.id.desc())
    found = list((await session.execute(stmt)).scalars())
    wanted = clean(skill)
    if wanted:
        key = fold(wanted)
        found = [
            c
            for c in found
            if any(key in fold(s) or index.text_score(wanted, s) >= index.threshold for s in c.skills.split("|"))
        ]
    fits = fits_of(index, [c.skills.split("|") for c in found], user_id)
    listed = [
        Listed(await _view_of(session, challenge), score, reasons)
        for challenge, (score, reasons) in zip(found, fits, strict=True)
    ]
    # Stable: among equals (no fit at all, typically) the newest stays first.
    listed.sort(key=lambda item: -item.score)
    return listed


async def skill_choices(session: AsyncSession, guild_id: int, current: str) -> list[str]:
    """Skills unfinished challenges need, for autocomplete."""
    rows = await session.execute(
        select(Challenge.skills).where(
            Challenge.guild_id == guild_id, Challenge.status.in_(list(ACTIVE_VALUES))
        )
    )
    needle = fold(current)
    seen: dict[str, str] = {}
    for skills in rows.scalars():
        for skill in skills.split("|"):
            if needle in fold(skill):
                seen.setdefault(fold(skill), skill)
    return sorted(seen.values(), key=fold)[:25]
