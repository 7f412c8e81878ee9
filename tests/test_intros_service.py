"""Consent-first introductions at the service level, on a migrated SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.services import intros
from models import IntroStatus, Met

GUILD = 77
A, B, C = 501, 502, 503
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def joined(db, *users, chance=False):
    async with db.session() as session:
        for user in users:
            await intros.join(session, GUILD, user, chance=chance, name=f"user{user}", locale="nl")


async def propose(db, a=A, b=B, **kwargs):
    async with db.session() as session:
        intro = await intros.propose(
            session, GUILD, a, b, score=80.0, reasons=[{"need_of": a, "need": "x"}], now=NOW, **kwargs
        )
        return intro.id


async def test_only_joined_active_members_can_be_proposed(db):
    await joined(db, A)
    with pytest.raises(UserError) as caught:
        await propose(db)
    assert caught.value.key == "intro.unavailable"
    await joined(db, B)
    async with db.session() as session:
        await intros.pause(session, GUILD, B, 2, now=NOW)
    with pytest.raises(UserError):
        await propose(db)
    # The pause ends by itself.
    async with db.session() as session:
        intro = await intros.propose(session, GUILD, A, B, score=70, reasons=[], now=NOW + timedelta(weeks=2))
    assert intro.status == IntroStatus.PENDING


async def test_leave_and_bad_pause(db):
    with pytest.raises(UserError) as caught:
        async with db.session() as session:
            await intros.leave(session, GUILD, A)
    assert caught.value.key == "intro.not_joined"
    await joined(db, A)
    for weeks in (0, 13, -1):
        with pytest.raises(UserError) as caught:
            async with db.session() as session:
                await intros.pause(session, GUILD, A, weeks, now=NOW)
        assert caught.value.key == "intro.bad_pause"
    async with db.session() as session:
        await intros.leave(session, GUILD, A)
        status = await intros.overview(session, GUILD, A, now=NOW)
    assert not status.joined


async def test_both_accept_connects_and_decline_is_final(db):
    await joined(db, A, B, C)
    first = await propose(db)
    async with db.session() as session:
        result = await intros.answer(session, first, A, accept=True, now=NOW)
    assert result.outcome == "waiting"
    async with db.session() as session:
        result = await intros.answer(session, first, B, accept=True, now=NOW)
    assert result.outcome == "connected"
    assert result.intro.status == IntroStatus.CONNECTED and result.intro.connected_at == NOW

    second = await propose(db, A, C)
    async with db.session() as session:
        result = await intros.answer(session, second, C, accept=False, now=NOW)
    assert result.outcome == "declined"
    # The decline is silent: accepting afterwards looks like waiting for the other, and connects nothing.
    async with db.session() as session:
        result = await intros.answer(session, second, A, accept=True, now=NOW)
    assert result.outcome == "waiting"
    assert result.intro.status == IntroStatus.DECLINED and result.intro.connected_at is None
    with pytest.raises(UserError) as caught:
        async with db.session() as session:
            await intros.answer(session, second, A, accept=True, now=NOW)
    assert caught.value.key == "intro.already_answered"


async def test_strangers_cannot_answer_and_no_double_answer(db):
    await joined(db, A, B, C)
    intro_id = await propose(db)
    with pytest.raises(UserError) as caught:
        async with db.session() as session:
            await intros.answer(session, intro_id, C, accept=True, now=NOW)
    assert caught.value.key == "intro.not_yours"
    async with db.session() as session:
        await intros.answer(session, intro_id, A, accept=True, now=NOW)
    with pytest.raises(UserError):
        async with db.session() as session:
            await intros.answer(session, intro_id, A, accept=False, now=NOW)


async def test_pending_proposals_expire_after_seven_days(db):
    await joined(db, A, B)
    intro_id = await propose(db)
    async with db.session() as session:
        assert await intros.expire_due(session, NOW + timedelta(days=6, hours=23)) == []
    async with db.session() as session:
        expired = await intros.expire_due(session, NOW + timedelta(days=7))
    assert [i.id for i in expired] == [intro_id]
    async with db.session() as session:
        result = await intros.answer(session, intro_id, A, accept=True, now=NOW + timedelta(days=8))
    assert result.outcome == "expired"


async def test_no_repeat_within_history_and_never_self(db):
    await joined(db, A, B)
    await propose(db)
    with pytest.raises(UserError) as caught:
        await propose(db, B, A)
    assert caught.value.key == "intro.already"
    with pytest.raises(UserError) as caught:
        await propose(db, A, A)
    assert caught.value.key == "intro.self"
    async with db.session() as session:
        pairs = await intros.recent_pairs(session, GUILD, NOW - timedelta(weeks=12))
    assert pairs == {frozenset((A, B))}


async def test_claiming_deliveries_is_once(db):
    await joined(db, A, B)
    intro_id = await propose(db)
    async with db.session() as session:
        first = await intros.claim_undelivered(session, GUILD, NOW)
    async with db.session() as session:
        again = await intros.claim_undelivered(session, GUILD, NOW)
    assert sorted(first) == [(intro_id, A), (intro_id, B)]
    assert again == []


async def test_followup_once_a_week_after_connecting_and_outcome(db):
    await joined(db, A, B)
    intro_id = await propose(db)
    async with db.session() as session:
        await intros.answer(session, intro_id, A, accept=True, now=NOW)
        await intros.answer(session, intro_id, B, accept=True, now=NOW)
    async with db.session() as session:
        assert await intros.claim_followups(session, NOW + timedelta(days=6)) == []
    async with db.session() as session:
        due = await intros.claim_followups(session, NOW + timedelta(days=7))
    assert [i.id for i in due] == [intro_id]
    async with db.session() as session:
        assert await intros.claim_followups(session, NOW + timedelta(days=8)) == []
        await intros.record_met(session, intro_id, B, Met.NOT_YET)
        await intros.record_outcome(session, intro_id, A, "  We starten samen een taalcafé  ")
    async with db.session() as session:
        intro = await intros.get(session, intro_id)
    assert intro is not None
    by_user = {p.user_id: p for p in intro.parties}
    assert by_user[A].met == "yes" and by_user[A].outcome == "We starten samen een taalcafé"
    assert by_user[B].met == "not_yet"
    with pytest.raises(UserError):
        async with db.session() as session:
            await intros.record_outcome(session, intro_id, A, "x" * 501)
