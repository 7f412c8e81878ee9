"""/match learns from the server's introductions (needs patches/matchmaking-learning.patch)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services import intros, matchmaking, profiles
from models import ItemKind

GUILD = 91
A, B, C, F = 601, 602, 603, 604
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_a_declined_wording_moves_down_for_others_and_nothing_else_changes(db):
    matcher = matchmaking.Matchmaker()
    async with db.session() as session:
        for user, kind, text in (
            (A, ItemKind.NEED, "website bouwen"),
            (F, ItemKind.NEED, "website bouwen"),
            (B, ItemKind.OFFER, "website maken"),
            (C, ItemKind.OFFER, "hulp bij website"),
        ):
            await profiles.add_item(session, GUILD, user, kind, text, name=f"user{user}", locale="nl")
            await intros.join(session, GUILD, user, chance=False, name=f"user{user}", locale="nl")
    async with db.session() as session:
        before = await matcher.suggest(session, GUILD, F, now=NOW)
        for_a = await matcher.suggest(session, GUILD, A, now=NOW)
    assert [s.user_id for s in before] == [B, C]
    async with db.session() as session:
        intro = await intros.propose(
            session, GUILD, A, B, score=for_a[0].score, reasons=for_a[0].reasons, now=NOW, requested_by=A
        )
    async with db.session() as session:
        await intros.answer(session, intro.id, B, accept=False, now=NOW)
    async with db.session() as session:
        after = await matcher.suggest(session, GUILD, F, now=NOW)
        plan = await matcher.plan(session, GUILD, now=NOW)
    # Only the order moved: the same members with the same scores and reasons.
    assert [s.user_id for s in after] == [C, B]
    assert sorted(after, key=lambda s: s.user_id) == sorted(before, key=lambda s: s.user_id)
    # The round keeps its pairs (A and B were just proposed to each other); B's weakened wording ranks last.
    assert [(p.a, p.b, p.score) for p in plan.pairs] == [(A, C, before[1].score), (B, F, before[0].score)]
