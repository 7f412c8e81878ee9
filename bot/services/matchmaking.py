"""The matching engine fed from the database: suggestions for one member, plans for a round.

Engine member ids are Discord user ids (unique within a server), so reasons name people
directly. A server's index is cached and rebuilt only when its offers and needs, its sectors
or its synonym groups changed (a cheap version query decides). Who takes part (joined, not
paused) is read fresh on every call, so joining or pausing never costs a rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.services import intros, privacy
from bot.services.matching import MatchIndex, MemberData, Reason, chance_meetings, plan_round
from bot.services.profiles import remember_locale
from models import ItemKind, Member, MemberItem, SynonymGroup, Visibility

DEFAULT_HISTORY = timedelta(weeks=12)


@dataclass(frozen=True, slots=True)
class Suggestion:
    user_id: int
    name: str
    sector: str | None
    organisation: str | None
    score: float
    reasons: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Pair:
    a: int
    b: int
    score: float
    reasons: list[dict[str, Any]]
    chance: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    pairs: list[Pair]
    unmatched: list[int]


@dataclass(frozen=True, slots=True)
class _Person:
    name: str
    sector: str | None
    organisation: str | None
    chance: bool


def reason_dict(reason: Reason) -> dict[str, Any]:
    return {
        "need_of": reason.need_of,
        "need": reason.need,
        "offer_of": reason.offer_of,
        "offer": reason.offer,
        "score": round(float(reason.score), 1),
    }


async def _version(session: AsyncSession, guild_id: int) -> tuple[Any, ...]:
    items = (
        await session.execute(
            select(func.count(MemberItem.id), func.max(MemberItem.id), func.max(MemberItem.updated_at)).where(
                MemberItem.guild_id == guild_id
            )
        )
    ).one()
    sectors = (
        await session.execute(
            select(Member.sector, func.count()).where(Member.guild_id == guild_id).group_by(Member.sector)
        )
    ).all()
    synonyms = (
        await session.execute(
            select(func.count(SynonymGroup.id), func.max(SynonymGroup.id)).where(SynonymGroup.guild_id == guild_id)
        )
    ).one()
    return (*items, tuple(sorted(sectors, key=str)), *synonyms)


async def synonym_groups(session: AsyncSession, guild_id: int) -> list[list[str]]:
    rows = (await session.execute(select(SynonymGroup.terms).where(SynonymGroup.guild_id == guild_id))).scalars()
    return [terms.split("|") for terms in rows]


class Matchmaker:
    """Holds one index per server; safe to share for the bot's lifetime."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[tuple[Any, ...], MatchIndex]] = {}

    async def index(self, session: AsyncSession, guild_id: int) -> MatchIndex:
        version = await _version(session, guild_id)
        cached = self._cache.get(guild_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        members = (
            await session.execute(
                select(Member)
                .where(Member.guild_id == guild_id, Member.items.any())
                .options(selectinload(Member.items))
            )
        ).scalars()
        data = [
            MemberData(
                member_id=m.user_id,
                sector=m.sector,
                needs=[i.text for i in m.items if i.kind == ItemKind.NEED],
                offers=[i.text for i in m.items if i.kind == ItemKind.OFFER],
            )
            for m in members
        ]
        index = MatchIndex.build(data, extra_synonyms=await synonym_groups(session, guild_id))
        self._cache[guild_id] = (version, index)
        return index

    async def suggest(
        self,
        session: AsyncSession,
        guild_id: int,
        user_id: int,
        *,
        now: datetime,
        limit: int = 5,
        history: timedelta = DEFAULT_HISTORY,
        locale: str | None = None,
    ) -> list[Suggestion]:
        """The member's best partners among members who joined introductions and are not paused."""
        if locale is not None:
            await remember_locale(session, guild_id, user_id, locale)
        index = await self.index(session, guild_id)
        if user_id not in index:
            return []
        active = await _participants(session, guild_id, now)
        unavailable = set(index.member_ids()) - set(active)
        recent = await intros.recent_pairs(session, guild_id, now - history)
        found = index.suggest(
            user_id, limit, exclude=unavailable, excluded_pairs=lambda a, b: frozenset((a, b)) in recent
        )
        return [_suggestion(active[s.member], s.member, s.score, s.reasons) for s in found]

    async def pair(self, session: AsyncSession, guild_id: int, a: int, b: int) -> Suggestion | None:
        """Score and reasons of one pair (for "Introduce us"), None when either has no offers or needs."""
        index = await self.index(session, guild_id)
        if a not in index or b not in index:
            return None
        found = index.suggestion(a, b)
        member = (
            await session.execute(select(Member).where(Member.guild_id == guild_id, Member.user_id == b))
        ).scalar_one()
        person = _Person(member.name, member.sector, member.organisation, member.intro_chance)
        return _suggestion(person, b, found.score, found.reasons)

    async def plan(
        self,
        session: AsyncSession,
        guild_id: int,
        *,
        now: datetime,
        per_member: int = 1,
        history: timedelta = DEFAULT_HISTORY,
        seed: str = "",
    ) -> Plan:
        """The next weekly round, without sending or storing anything."""
        index = await self.index(session, guild_id)
        people = await _participants(session, guild_id, now)
        recent = await intros.recent_pairs(session, guild_id, now - history)

        def met(a: int, b: int) -> bool:
            return frozenset((a, b)) in recent

        planned = plan_round(index, set(people), met, max_per_member=per_member)
        pairs = [Pair(p.a, p.b, round(p.score, 1), [reason_dict(r) for r in p.reasons]) for p in planned.pairs]
        matched = {p.a for p in pairs} | {p.b for p in pairs}
        # Members without any need-offer match who allowed it meet someone from another sector.
        allows_chance = {u: people[u].sector for u in set(people) - matched if people[u].chance}
        extra = chance_meetings(allows_chance, allows_chance, met, seed=seed)
        pairs += [Pair(p.a, p.b, 0.0, [], chance=True) for p in extra.pairs]
        matched |= {p.a for p in extra.pairs} | {p.b for p in extra.pairs}
        return Plan(pairs, sorted(set(people) - matched))


async def _participants(session: AsyncSession, guild_id: int, now: datetime) -> dict[int, _Person]:
    """Members who can be proposed: joined introductions, not paused, still here, profile not private."""
    rows = await session.execute(
        select(Member.user_id, Member.name, Member.sector, Member.organisation, Member.intro_chance).where(
            Member.guild_id == guild_id,
            Member.intro_joined.is_(True),
            or_(Member.intro_paused_until.is_(None), Member.intro_paused_until <= now),
            privacy.still_here(Member.guild_id, Member.user_id),
            # A private profile is used only for its owner's own suggestions.
            Member.visibility == Visibility.MEMBERS.value,
        )
    )
    return {row[0]: _Person(*row[1:]) for row in rows}


def _suggestion(person: _Person, user_id: int, score: float, reasons: Sequence[Reason]) -> Suggestion:
    return Suggestion(
        user_id=user_id,
        name=person.name,
        sector=person.sector,
        organisation=person.organisation,
        score=round(float(score), 1),
        reasons=[reason_dict(r) for r in reasons],
    )
