"""Two schedulers on one database claim at the same moment: every message goes out once.

Each scheduler is its own :class:`Database` (its own engine and connection pool), as two
``verbinder run`` processes would be. Runs on the suite's database: SQLite, or PostgreSQL
when VERBINDER_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import outbox
from bot.db import Database
from bot.services import intros, rounds
from models import Introduction, IntroParty, IntroRound

GUILD = 900
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RUNS = 20
PAIRS = 4


async def _prepare(db: Database, run: int) -> tuple[set[tuple[int, int]], int, set[int]]:
    """One server per run: a round with unsent proposals, and connected introductions a week old."""
    guild = GUILD + run
    users = [guild * 100 + i for i in range(PAIRS * 4)]
    connected = set()
    earlier = NOW - timedelta(days=8)
    async with db.session() as session:
        for user in users:
            await intros.join(session, guild, user, chance=False, name=f"u{user}", locale="nl")
        record = IntroRound(guild_id=guild, week=f"2026-W{run:02d}", due_at=NOW)
        session.add(record)
        await session.flush()
        pairs = [(users[2 * i], users[2 * i + 1], 50.0, [], False) for i in range(PAIRS)]
        await intros.record_planned(session, guild, pairs, now=NOW, round_id=record.id)
        round_id = record.id
        for i in range(PAIRS, 2 * PAIRS):
            a, b = users[2 * i], users[2 * i + 1]
            intro = await intros.propose(session, guild, a, b, score=1.0, reasons=[], now=earlier)
            await intros.answer(session, intro.id, a, accept=True, now=earlier)
            await intros.answer(session, intro.id, b, accept=True, now=earlier)
            connected.add(intro.id)
        rows = await session.execute(
            select(IntroParty.introduction_id, IntroParty.user_id)
            .join(Introduction)
            .where(Introduction.round_id == round_id)
        )
        proposals = {(intro_id, user_id) for intro_id, user_id in rows}
    return proposals, round_id, connected


async def _parties(db: Database, intro_ids: set[int]) -> set[tuple[int, int]]:
    async with db.read() as session:
        rows = await session.execute(
            select(IntroParty.introduction_id, IntroParty.user_id).where(IntroParty.introduction_id.in_(intro_ids))
        )
        return {(intro_id, user_id) for intro_id, user_id in rows}


async def _tick(db: Database, guild: int) -> tuple[list[tuple[int, int]], list[int], list[int], list[str]]:
    """What the minute tick claims, each in its own unit of work as the scheduler does: the
    claims put messages in the outbox, then the senders claim the outbox items to send."""
    async with db.session() as session:
        proposals = await intros.claim_undelivered(session, guild, NOW)
    async with db.session() as session:
        sending = await outbox.claim(session, NOW, kinds=("proposal",), guild_id=guild)
    async with db.session() as session:
        summaries = [s.round_id for s in await rounds.claim_summaries(session, guild, NOW)]
    async with db.session() as session:
        sending += await outbox.claim(session, NOW, kinds=("summary",), guild_id=guild)
    async with db.session() as session:
        followups = [i.id for i in await intros.claim_followups(session, NOW)]
    async with db.session() as session:
        sending += await outbox.claim(session, NOW, kinds=("followup",))
    return proposals, summaries, followups, [item.key for item in sending]


async def test_two_schedulers_claim_each_message_once(db_url, db):
    other = Database(db_url)
    errors: list[BaseException] = []
    duplicates = 0
    try:
        for run in range(RUNS):
            guild = GUILD + run
            proposals, round_id, connected = await _prepare(db, run)
            assert len(proposals) == 2 * PAIRS
            results = await asyncio.gather(_tick(db, guild), _tick(other, guild), return_exceptions=True)
            errors += [r for r in results if isinstance(r, BaseException)]
            ticks = [r for r in results if not isinstance(r, BaseException)]
            sent = Counter(p for tick in ticks for p in tick[0])
            summaries = Counter(s for tick in ticks for s in tick[1])
            followups = Counter(f for tick in ticks for f in tick[2])
            keys = Counter(k for tick in ticks for k in tick[3])
            duplicates += sum(n - 1 for c in (sent, summaries, followups, keys) for n in c.values())
            if len(ticks) == 2:
                assert set(sent) == proposals
                assert set(summaries) == {round_id}
                assert set(followups) == connected
                assert set(keys) == (
                    {intros.proposal_key(i, u) for i, u in proposals}
                    | {rounds.summary_key(round_id)}
                    | {intros.followup_key(i, u) for i, u in await _parties(db, connected)}
                )
    finally:
        await other.dispose()
    assert errors == []
    assert duplicates == 0


async def test_a_reader_never_waits_for_a_writer(db):
    """Write transactions take the write lock when they begin (SQLite: BEGIN IMMEDIATE);
    read-only sessions do not, so a long write never delays a read."""
    async with db.session() as writer:
        await intros.join(writer, GUILD, 1, chance=False, name="writer", locale="nl")
        await writer.flush()

        async def read() -> int:
            async with db.read() as reader:
                return len(await intros.recent_pairs(reader, GUILD, NOW))

        assert await asyncio.wait_for(read(), timeout=3) == 0
        # The health check's probes read too (verbinder status beside a busy bot).
        await asyncio.wait_for(db.ping(), timeout=3)
        assert await asyncio.wait_for(db.revision(), timeout=3) == Database.head()
        assert await asyncio.wait_for(db.has_table("service_leases"), timeout=3)


async def test_a_second_writer_waits_for_the_first_instead_of_failing(db_url, db):
    other = Database(db_url)
    async with db.session() as session:
        await intros.join(session, GUILD, 1, chance=False, name="member", locale="nl")
    try:
        order: list[str] = []

        async def first() -> None:
            async with db.session() as session:
                await intros.join(session, GUILD, 1, chance=False, name="first", locale="nl")
                await session.flush()
                await asyncio.sleep(0.5)
                order.append("first")

        async def second() -> None:
            await asyncio.sleep(0.1)
            async with other.session() as session:
                await intros.join(session, GUILD, 1, chance=True, name="second", locale="nl")
            order.append("second")

        await asyncio.gather(first(), second())
        assert order == ["first", "second"]
        async with db.read() as session:
            overview = await intros.overview(session, GUILD, 1, now=NOW)
        assert overview.joined and overview.chance
    finally:
        await other.dispose()
