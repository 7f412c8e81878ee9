"""The serving lease: one holder at a time, a crashed holder's lease expires, a standby takes over.

Each process is its own :class:`Database` on the suite's database (SQLite, or PostgreSQL).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import Database
from bot.lease import LEASE_TTL, Lease, LeaseHeld, LeaseLost, current_holder

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def other(db_url, db):
    """A second process's database connection (its own engine and pool)."""
    database = Database(db_url)
    yield database
    await database.dispose()


async def holder_of(db: Database, now: datetime = NOW):
    async with db.read() as session:
        return await current_holder(session, now)


async def test_one_holder_the_second_is_told_who(db, other):
    clock = Clock()
    first = Lease(db, clock=clock, host="alpha", pid=101)
    await first.acquire()
    second = Lease(other, clock=clock, host="beta", pid=202)
    with pytest.raises(LeaseHeld) as held:
        await second.acquire()
    assert (held.value.holder.host, held.value.holder.pid) == ("alpha", 101)
    assert held.value.holder.describe() == "alpha (pid 101)"
    await first.acquire()  # taking it again is renewing it
    holder = await holder_of(other)
    assert holder is not None and holder.pid == 101


async def test_a_crashed_holders_lease_expires_within_two_minutes(db, other):
    assert timedelta(minutes=2) >= LEASE_TTL
    clock = Clock()
    crashed = Lease(db, clock=clock, host="alpha", pid=101)
    await crashed.acquire()  # ... and then never renews
    successor = Lease(other, clock=clock, host="beta", pid=202)
    clock.now = NOW + LEASE_TTL - timedelta(seconds=1)
    with pytest.raises(LeaseHeld):
        await successor.acquire()
    clock.now = NOW + LEASE_TTL
    await successor.acquire()
    holder = await holder_of(db, clock.now)
    assert holder is not None and holder.host == "beta"
    # The old holder wakes up: it finds its lease gone and must stop serving.
    with pytest.raises(LeaseLost):
        await crashed.renew()
    # ... and releasing it does not free the successor's lease.
    await crashed.release()
    assert (await holder_of(db, clock.now)) == holder


async def test_renewing_keeps_it_and_releasing_frees_it(db, other):
    clock = Clock()
    lease = Lease(db, clock=clock, host="alpha", pid=101)
    await lease.acquire()
    clock.now = NOW + LEASE_TTL - timedelta(seconds=5)
    await lease.renew()
    clock.now = NOW + LEASE_TTL + timedelta(seconds=30)
    with pytest.raises(LeaseHeld):
        await Lease(other, clock=clock).acquire()
    await lease.release()
    assert await holder_of(db, clock.now) is None
    await Lease(other, clock=clock, host="beta", pid=202).acquire()


async def test_many_starting_at_once_exactly_one_wins(db_url, db):
    databases = [Database(db_url) for _ in range(6)]
    try:
        for attempt in range(5):
            clock = Clock(NOW + attempt * 2 * LEASE_TTL)  # every attempt finds the last one's lease expired
            leases = [Lease(d, clock=clock, host=f"h{i}", pid=i) for i, d in enumerate(databases)]
            results = await asyncio.gather(*(lease.acquire() for lease in leases), return_exceptions=True)
            assert [r for r in results if not isinstance(r, LeaseHeld | type(None))] == []
            winners = [lease for lease, r in zip(leases, results, strict=True) if r is None]
            assert len(winners) == 1
            holder = await holder_of(db, clock.now)
            assert holder is not None and holder.pid == winners[0].pid
    finally:
        for database in databases:
            await database.dispose()


async def test_a_standby_takes_over_when_the_holder_stops(db, other):
    first = Lease(db, host="alpha", pid=101)
    await first.acquire()
    standby = Lease(other, host="beta", pid=202)
    stop = asyncio.Event()
    waiting = asyncio.create_task(standby.wait(stop, poll=timedelta(milliseconds=50)))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    await first.release()
    assert await asyncio.wait_for(waiting, 5) is True
    holder = await holder_of(db, datetime.now(UTC))
    assert holder is not None and holder.host == "beta"


async def test_a_standby_stops_waiting_on_a_signal(db, other):
    await Lease(db, host="alpha", pid=101).acquire()
    stop = asyncio.Event()
    waiting = asyncio.create_task(Lease(other).wait(stop, poll=timedelta(milliseconds=50)))
    await asyncio.sleep(0.2)
    stop.set()
    assert await asyncio.wait_for(waiting, 5) is False


async def test_keep_gives_up_when_the_lease_was_taken_over(db, other):
    clock = Clock()
    lease = Lease(db, clock=clock, heartbeat=timedelta(milliseconds=20))
    await lease.acquire()
    clock.now = NOW + LEASE_TTL
    await Lease(other, clock=clock).acquire()
    with pytest.raises(LeaseLost):
        await asyncio.wait_for(lease.keep(), 5)
