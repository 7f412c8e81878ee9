"""/find: members whose offers fit a text ("who offers this?"), or whose needs do ("who needs this?").

The text becomes a probe member in the server's cached matching index: a need (to find offers) or an
offer (to find needs). The engine ranks the members exactly as for /match and gives the reasons. The
probe is added and removed within one synchronous call, so no other coroutine ever sees it.

Only members who joined introductions, are not paused, are still in the server and whose profile is
not private are found: as in /match, and "Introduce us" asks both of them first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import intros, privacy
from bot.services.matching import MemberData
from bot.services.matchmaking import Matchmaker, reason_dict
from bot.services.profiles import validate_item
from models import ItemKind, Member, Visibility

# Not a Discord id, and not the challenges' probe either.
PROBE_ID = -2
FIND_LIMIT = 10
DEFAULT_HISTORY = timedelta(weeks=12)


@dataclass(frozen=True, slots=True)
class Found:
    user_id: int
    name: str
    sector: str | None
    organisation: str | None
    score: float
    # As in /match: need_of/need/offer_of/offer/score, the searcher standing in for the text.
    reasons: list[dict[str, Any]]
    # Proposed to the searcher recently: shown, but "Introduce us" would be refused.
    recent: bool


async def _participants(session: AsyncSession, guild_id: int, now: datetime) -> dict[int, Member]:
    rows = await session.execute(
        select(Member).where(
            Member.guild_id == guild_id,
            Member.intro_joined.is_(True),
            or_(Member.intro_paused_until.is_(None), Member.intro_paused_until <= now),
            privacy.still_here(Member.guild_id, Member.user_id),
            Member.visibility == Visibility.MEMBERS.value,
        )
    )
    return {m.user_id: m for m in rows.scalars()}


async def find_members(
    session: AsyncSession,
    matcher: Matchmaker,
    guild_id: int,
    user_id: int,
    text: str,
    kind: ItemKind = ItemKind.OFFER,
    *,
    now: datetime,
    limit: int = FIND_LIMIT,
    history: timedelta = DEFAULT_HISTORY,
) -> tuple[str, list[Found]]:
    """The cleaned text and the members found, best first (at most ``limit``).

    ``kind`` is what is looked for: ``OFFER`` finds members offering the text, ``NEED`` members needing it.
    A text that is empty, too short or too long is a UserError (nothing is looked up).
    """
    cleaned, _folded = validate_item(text)
    index = await matcher.index(session, guild_id)
    people = await _participants(session, guild_id, now)
    exclude = [m for m in index.member_ids() if m not in people or m == user_id]
    probe = MemberData(
        member_id=PROBE_ID,
        sector=None,
        needs=[cleaned] if kind is ItemKind.OFFER else [],
        offers=[cleaned] if kind is ItemKind.NEED else [],
    )
    index.add_member(probe)
    try:
        ranked = index.suggest(PROBE_ID, limit, exclude=exclude)
    finally:
        index.remove_member(PROBE_ID)
    recent = await intros.recent_pairs(session, guild_id, now - history)
    found = []
    for suggestion in ranked:
        member = people[suggestion.member]
        reasons = [
            {**reason_dict(r), "need_of": _as(r.need_of, user_id), "offer_of": _as(r.offer_of, user_id)}
            for r in suggestion.reasons
            if PROBE_ID in (r.need_of, r.offer_of)
        ]
        found.append(
            Found(
                user_id=member.user_id,
                name=member.name,
                sector=member.sector,
                organisation=member.organisation,
                score=round(float(suggestion.score), 1),
                reasons=reasons,
                recent=frozenset((user_id, member.user_id)) in recent,
            )
        )
    return cleaned, found


def _as(member_id: int, user_id: int) -> int:
    """The probe stands for the member who searched."""
    return user_id if member_id == PROBE_ID else member_id
