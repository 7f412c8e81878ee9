"""Skill fit: members whose offers fit a challenge's skills, with the matching engine's reasons."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.errors import UserError
from bot.services.challenges.records import (
    ChallengeView,
    _load,
    _view_of,
)
from bot.services.challenges.rules import (
    ACTIVE_VALUES,
    FINAL,
    PROBE_ID,
    SUGGEST_LIMIT,
)
from bot.services.matching import MatchIndex, MemberData, Reason, combine
from bot.text import clean, fold
from models import (
    Challenge,
    ChallengeInvite,
    ChallengeStatus,
    Member,
)

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


async def withdraw_invite(session: AsyncSession, challenge_id: int, user_id: int) -> None:
    """Forget an invitation that could not be delivered, so it can be tried again."""
    await session.execute(
        delete(ChallengeInvite).where(ChallengeInvite.challenge_id == challenge_id, ChallengeInvite.user_id == user_id)
    )


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


async def unfinished_count(session: AsyncSession, guild_id: int) -> int:
    """How many challenges of the server are not finished (open, team formed or in progress)."""
    return int(
        await session.scalar(
            select(func.count()).where(Challenge.guild_id == guild_id, Challenge.status.in_(list(ACTIVE_VALUES)))
        )
        or 0
    )


async def skill_choices(session: AsyncSession, guild_id: int, current: str) -> list[str]:
    """Skills unfinished challenges need, for autocomplete."""
    rows = await session.execute(
        select(Challenge.skills).where(Challenge.guild_id == guild_id, Challenge.status.in_(list(ACTIVE_VALUES)))
    )
    needle = fold(current)
    seen: dict[str, str] = {}
    for skills in rows.scalars():
        for skill in skills.split("|"):
            if needle in fold(skill):
                seen.setdefault(fold(skill), skill)
    return sorted(seen.values(), key=fold)[:25]
