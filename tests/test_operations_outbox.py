"""The outbox: recorded once, claimed by one sender, retried after a crash with the same nonce."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot import outbox
from bot.db import Database

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


async def enqueue(db: Database, *keys: str, kind: str = "proposal") -> None:
    async with db.session() as session:
        for key in keys:
            await outbox.enqueue(session, key, kind, {"key": key}, now=NOW, guild_id=1)


async def claim(db: Database, now: datetime = NOW, **kwargs) -> list[outbox.Item]:
    async with db.session() as session:
        return await outbox.claim(session, now, **kwargs)


async def counts(db: Database, now: datetime = NOW) -> dict[str, int]:
    async with db.read() as session:
        return await outbox.counts(session, now)


async def test_a_message_is_recorded_once_and_sent_once(db):
    async with db.session() as session:
        assert await outbox.enqueue(session, "proposal:1:2", "proposal", {"intro": 1}, now=NOW) is True
        assert await outbox.enqueue(session, "proposal:1:2", "proposal", {"intro": 1}, now=NOW) is False
    [item] = await claim(db)
    assert (item.key, item.kind, item.payload, item.attempts) == ("proposal:1:2", "proposal", {"intro": 1}, 1)
    assert await claim(db) == []  # being sent: nobody else claims it
    async with db.session() as session:
        await outbox.confirm(session, item.id, now=NOW, message_id=99)
    assert await claim(db, NOW + timedelta(days=1)) == []
    assert await counts(db) == dict.fromkeys(
        ("outbox_waiting", "outbox_sending", "outbox_unconfirmed", "outbox_given_up"), 0
    )


async def test_a_claim_never_confirmed_is_retried_with_the_same_nonce(db):
    await enqueue(db, "proposal:1:2")
    [first] = await claim(db)
    # The process died while sending: no confirm, no fail.
    assert await claim(db, NOW + outbox.CLAIM_TIMEOUT - timedelta(seconds=1)) == []
    later = NOW + outbox.CLAIM_TIMEOUT
    assert (await counts(db, later))["outbox_unconfirmed"] == 1
    [again] = await claim(db, later)
    assert again.id == first.id and again.attempts == 2
    assert again.nonce == first.nonce == outbox.nonce("proposal:1:2")
    assert again.nonce.isdigit() and len(again.nonce) <= 25


async def test_failures_are_retried_until_given_up(db):
    await enqueue(db, "a", "b")
    a, b = await claim(db)
    async with db.session() as session:
        await outbox.fail(session, a.id, "503 Service Unavailable")
        await outbox.fail(session, b.id, "403 Cannot send messages to this user", permanent=True)
    assert [i.key for i in await claim(db)] == ["a"]
    for attempt in range(3, outbox.MAX_ATTEMPTS + 1):
        async with db.session() as session:
            await outbox.fail(session, a.id, "503")
        [item] = await claim(db)
        assert item.attempts == attempt
    async with db.session() as session:
        await outbox.fail(session, a.id, "503")
    assert await claim(db, NOW + timedelta(days=1)) == []
    assert (await counts(db))["outbox_given_up"] == 2


async def test_claims_by_kind(db):
    await enqueue(db, "p", kind="proposal")
    await enqueue(db, "s", kind="summary")
    assert [i.key for i in await claim(db, kinds=("summary",))] == ["s"]
    assert [i.key for i in await claim(db)] == ["p"]


async def test_many_recorded_at_once_and_claimed_by_server_in_batches(db):
    async with db.session() as session:
        first = [(f"proposal:{i}:1", {"intro": i, "user": 1}) for i in range(5)]
        assert await outbox.enqueue_many(session, "proposal", first, now=NOW, guild_id=1) == 5
        # Keys recorded before are left out; the new one is recorded.
        again = [*first[:2], ("proposal:9:1", {"intro": 9, "user": 1})]
        assert await outbox.enqueue_many(session, "proposal", again, now=NOW, guild_id=1) == 1
        await outbox.enqueue_many(session, "proposal", [("proposal:1:2", {})], now=NOW, guild_id=2)
    assert [i.key for i in await claim(db, guild_id=2)] == ["proposal:1:2"]
    batch = await claim(db, guild_id=1, limit=4)
    assert [i.payload["intro"] for i in batch] == [0, 1, 2, 3]
    # Only above the given id: a sender working through a long queue never meets its own retries.
    [fourth] = await claim(db, guild_id=1, limit=1)
    async with db.session() as session:
        await outbox.fail(session, fourth.id, "503")
    assert [i.payload["intro"] for i in await claim(db, guild_id=1, after=fourth.id)] == [9]
    assert [i.payload["intro"] for i in await claim(db, guild_id=1)] == [4]


async def test_two_senders_claim_each_item_once(db_url, db):
    other = Database(db_url)
    try:
        for run in range(20):
            keys = {f"run{run}:{i}" for i in range(10)}
            await enqueue(db, *sorted(keys))
            results = await asyncio.gather(
                claim(db, limit=6), claim(other, limit=6), claim(db, limit=6), return_exceptions=True
            )
            assert [r for r in results if isinstance(r, BaseException)] == []
            claimed = Counter(i.key for r in results if not isinstance(r, BaseException) for i in r)
            assert all(n == 1 for n in claimed.values()), claimed
            rest = await claim(db, limit=100)
            assert set(claimed) | {i.key for i in rest} == keys
            async with db.session() as session:
                for item in rest:
                    await outbox.confirm(session, item.id, now=NOW, message_id=None)
            async with db.session() as session:
                for item in await outbox.claim(session, NOW + timedelta(days=1)):
                    await outbox.confirm(session, item.id, now=NOW, message_id=None)
    finally:
        await other.dispose()
