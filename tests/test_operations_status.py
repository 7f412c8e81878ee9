"""``verbinder status`` reports per server the last and next round, and what is still to be sent."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config import Settings
from bot.lease import Lease
from bot.services import guilds, intros
from bot.status import collect, render
from models import IntroRound

GUILD = 4100
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


async def test_rounds_and_pending_work_per_server(db, db_url):
    async with db.session() as session:
        await guilds.configure_intros(session, GUILD, channel_id=77, weekday=0, at="9:00")
        for user in (1, 2, 3, 4):
            await intros.join(session, GUILD, user, chance=False, name=f"u{user}", locale="nl")
    async with db.session() as session:
        record = IntroRound(guild_id=GUILD, week="2026-W48", due_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
        session.add(record)
        await session.flush()
        await intros.record_planned(
            session, GUILD, [(1, 2, 50.0, [], False), (3, 4, 40.0, [], False)], now=NOW, round_id=record.id
        )
    async with db.session() as session:
        claimed = await intros.claim_undelivered(session, GUILD, NOW)
        await intros.record_prompt(session, claimed[0][0], claimed[0][1], channel_id=5, message_id=6)
    # One proposal confirmed; three claimed but never confirmed (the process stopped mid-round).
    lease = Lease(db, host="alpha", pid=7)
    await lease.acquire()
    report = await collect(Settings(_env_file=None, database_url=db_url), now=NOW)
    assert report.healthy
    [server] = report.servers
    assert (server.guild_id, server.last_week, server.last_round_complete) == (GUILD, "2026-W48", False)
    assert server.next_round_at == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 Amsterdam
    assert report.pending["proposals_to_send"] == 0
    assert report.pending["proposals_unconfirmed"] == 3
    assert report.pending["summaries_to_post"] == 1
    text = render(report)
    assert (
        f"Server {GUILD}: last round 2026-W48 (2026-11-23 08:00 UTC, not complete), next round 2026-11-30 08:00 UTC"
        in text
    )
    assert "Serving: alpha (pid 7)" in text
