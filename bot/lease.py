"""One serving process per database: a lease row with a heartbeat.

``verbinder run`` takes the lease after the database is migrated and before it logs in to
Discord, renews it every :data:`HEARTBEAT_EVERY` and releases it when it stops. A second
``run`` finds the lease held and exits (or, with ``--standby``, waits until it is free). A
crashed holder stops renewing: its lease expires after :data:`LEASE_TTL` and the next process
takes it over. Works the same on SQLite and PostgreSQL (conditional ``UPDATE ... RETURNING``).

Times are the hosts' wall clocks (UTC): hosts sharing a PostgreSQL server keep them in sync (NTP).
Other commands (``sync``, ``db``, ``suggest``, ``match``, ``import-members``, ``status``) never
take the lease.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from models import ServiceLease

log = logging.getLogger(__name__)

SERVE = "serve"
LEASE_TTL = timedelta(seconds=90)
HEARTBEAT_EVERY = timedelta(seconds=20)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Holder:
    host: str
    pid: int
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime

    def describe(self) -> str:
        return f"{self.host} (pid {self.pid})"


class LeaseHeld(Exception):
    """Another live process holds the lease."""

    def __init__(self, holder: Holder) -> None:
        super().__init__(holder.describe())
        self.holder = holder


class LeaseLost(Exception):
    """This process could not renew its lease in time: it must stop serving."""


def _holder(row: ServiceLease) -> Holder:
    return Holder(row.host, row.pid, row.acquired_at, row.heartbeat_at, row.expires_at)


async def current_holder(session: AsyncSession, now: datetime, name: str = SERVE) -> Holder | None:
    """The live holder of the lease, or None when it is free (never taken, released or expired)."""
    row = await session.scalar(select(ServiceLease).where(ServiceLease.name == name, ServiceLease.expires_at > now))
    return None if row is None else _holder(row)


class Lease:
    """The lease of this process. ``acquire``, then ``keep`` it alive in a task, ``release`` at the end."""

    def __init__(
        self,
        db: Database,
        *,
        name: str = SERVE,
        ttl: timedelta = LEASE_TTL,
        heartbeat: timedelta = HEARTBEAT_EVERY,
        clock: Callable[[], datetime] = _utcnow,
        host: str | None = None,
        pid: int | None = None,
    ) -> None:
        self.db = db
        self.name = name
        self.ttl = ttl
        self.heartbeat = heartbeat
        self.clock = clock
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.token = secrets.token_hex(16)
        self.expires_at: datetime | None = None

    async def acquire(self) -> None:
        """Take the lease if it is free, expired or already ours; else raise :class:`LeaseHeld`."""
        now = self.clock()
        values = {
            "token": self.token,
            "host": self.host,
            "pid": self.pid,
            "acquired_at": now,
            "heartbeat_at": now,
            "expires_at": now + self.ttl,
        }
        async with self.db.session() as session:
            # Of two processes taking an expired lease at once, the second finds the first's
            # fresh expiry when its condition is checked again, and updates nothing.
            taken = await session.execute(
                update(ServiceLease)
                .where(
                    ServiceLease.name == self.name,
                    or_(ServiceLease.expires_at <= now, ServiceLease.token == self.token),
                )
                .values(**values)
                .returning(ServiceLease.name)
                .execution_options(synchronize_session=False)
            )
            if taken.first() is None:
                row = await session.get(ServiceLease, self.name, populate_existing=True)
                if row is not None:
                    raise LeaseHeld(_holder(row))
                try:
                    async with session.begin_nested():
                        session.add(ServiceLease(name=self.name, **values))
                except IntegrityError:
                    # Another process inserted it first.
                    row = await session.get(ServiceLease, self.name, populate_existing=True)
                    assert row is not None
                    raise LeaseHeld(_holder(row)) from None
        self.expires_at = now + self.ttl
        log.info("serving lease taken by %s (pid %s)", self.host, self.pid)

    async def wait(self, stop: asyncio.Event, poll: timedelta = timedelta(seconds=10)) -> bool:
        """Standby: try to take the lease until it is ours (True) or ``stop`` is set (False)."""
        told = False
        while not stop.is_set():
            try:
                await self.acquire()
                return True
            except LeaseHeld as held:
                if not told:
                    log.info("standby: %s serves this database; waiting for its lease", held.holder.describe())
                    told = True
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll.total_seconds())
        return False

    async def renew(self) -> None:
        """Extend the lease; :class:`LeaseLost` when another process took it over meanwhile."""
        now = self.clock()
        async with self.db.session() as session:
            renewed = await session.execute(
                update(ServiceLease)
                .where(ServiceLease.name == self.name, ServiceLease.token == self.token)
                .values(heartbeat_at=now, expires_at=now + self.ttl)
                .returning(ServiceLease.name)
                .execution_options(synchronize_session=False)
            )
            if renewed.first() is None:
                raise LeaseLost("another process took over the serving lease")
        self.expires_at = now + self.ttl

    async def keep(self) -> None:
        """Renew the lease until cancelled; raise :class:`LeaseLost` when it cannot be kept."""
        while True:
            await asyncio.sleep(self.heartbeat.total_seconds())
            try:
                await self.renew()
            except LeaseLost:
                raise
            except Exception as exc:
                # A database hiccup: try again at the next beat, unless the lease runs out first.
                if self.expires_at is None or self.clock() + self.heartbeat >= self.expires_at:
                    raise LeaseLost(f"could not renew the serving lease: {exc}") from exc
                log.warning("could not renew the serving lease (will retry): %s", exc)

    async def release(self) -> None:
        """Give the lease up (only if still ours), so a standby can take over at once."""
        async with self.db.session() as session:
            await session.execute(
                delete(ServiceLease).where(ServiceLease.name == self.name, ServiceLease.token == self.token)
            )
        self.expires_at = None
        log.info("serving lease released")
