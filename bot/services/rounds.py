"""The weekly introduction round of a server: planned and recorded once, then delivered.

Exactly once comes from the database: a round is a row unique per server and ISO week,
inserted in the same transaction as all of its proposals. A second attempt in the same
week (a restart, a second process, a clock that jumps back over a DST change) finds the
row and plans nothing. Delivery then claims each unsent proposal and puts it in the outbox
(``bot.outbox``), from which it is sent at least once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Integer, cast, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.services import guilds, intros
from bot.services.schedule import next_round
from models import GuildSettings, Introduction, IntroParty, IntroRound

if TYPE_CHECKING:
    from bot.services.matchmaking import Matchmaker


@dataclass(frozen=True, slots=True)
class RoundResult:
    round_id: int
    week: str
    pairs: int
    chance: int
    unmatched: list[int]


@dataclass(frozen=True, slots=True)
class Summary:
    round_id: int
    pairs: int
    chance: int
    members: int


def history(settings: GuildSettings) -> timedelta:
    return timedelta(weeks=settings.intro_history_weeks)


def next_round_at(settings: GuildSettings, now: datetime, default_tz: str) -> datetime:
    return next_round(
        now, settings.intro_weekday, time(settings.intro_hour, settings.intro_minute), guilds.zone(settings, default_tz)
    )


async def record_round(
    session: AsyncSession, matcher: Matchmaker, settings: GuildSettings, *, week: str, due_at: datetime, now: datetime
) -> RoundResult | None:
    """Plan and record the round of ``week``; None when it was recorded before."""
    guild_id = settings.guild_id
    exists = await session.scalar(select(IntroRound.id).where(IntroRound.guild_id == guild_id, IntroRound.week == week))
    if exists is not None:
        return None
    record = IntroRound(guild_id=guild_id, week=week, due_at=due_at)
    try:
        async with session.begin_nested():
            session.add(record)
            await session.flush()
    except IntegrityError:
        # Another process recorded it between the check and the insert.
        return None
    plan = await matcher.plan(
        session, guild_id, now=now, per_member=settings.intro_per_member, history=history(settings), seed=week
    )
    await intros.record_planned(
        session,
        guild_id,
        [(p.a, p.b, p.score, p.reasons, p.chance) for p in plan.pairs],
        now=now,
        round_id=record.id,
    )
    chance = sum(p.chance for p in plan.pairs)
    return RoundResult(record.id, week, len(plan.pairs), chance, plan.unmatched)


async def claim_summaries(session: AsyncSession, guild_id: int, now: datetime) -> list[Summary]:
    """Rounds whose summary is not posted yet, marked complete and put in the outbox.

    One conditional ``UPDATE ... WHERE completed_at IS NULL ... RETURNING``: of two schedulers
    claiming at the same moment, each round goes to exactly one. In the same transaction the
    summary of each round with proposals is recorded in the outbox (kind ``summary``, key
    :func:`summary_key`, its numbers in the payload); a round without proposals posts nothing.
    """
    claim = (
        update(IntroRound)
        .where(IntroRound.guild_id == guild_id, IntroRound.completed_at.is_(None))
        .values(completed_at=now)
        .returning(IntroRound.id)
        .execution_options(synchronize_session=False)
    )
    summaries = []
    for round_id in sorted((await session.execute(claim)).scalars()):
        pairs, chance = (
            await session.execute(
                select(func.count(), func.coalesce(func.sum(cast(Introduction.chance, Integer)), 0)).where(
                    Introduction.round_id == round_id
                )
            )
        ).one()
        members = await session.scalar(
            select(func.count(func.distinct(IntroParty.user_id)))
            .join(Introduction)
            .where(Introduction.round_id == round_id)
        )
        summaries.append(Summary(round_id, int(pairs), int(chance), int(members or 0)))
    await outbox.enqueue_many(
        session,
        "summary",
        (
            (summary_key(s.round_id), {"round": s.round_id, "pairs": s.pairs, "chance": s.chance, "members": s.members})
            for s in summaries
            if s.pairs
        ),
        now=now,
        guild_id=guild_id,
    )
    return summaries


def summary_key(round_id: int) -> str:
    return f"summary:{round_id}"


async def set_summary_message(session: AsyncSession, round_id: int, message_id: int) -> None:
    record = await session.get(IntroRound, round_id)
    if record is not None:
        record.summary_message_id = message_id
