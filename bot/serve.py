"""``verbinder run``: the database first, then the serving lease, then Discord; a clean stop on a signal.

Order on start:
1. the database is reachable (else one line naming DATABASE_URL, exit 1);
2. no other live process holds the serving lease (else one line naming its host and pid, exit 1;
   with ``--standby`` wait until it is free);
3. the schema is migrated to head and the lease is taken;
4. only then the bot logs in to Discord (a refused token: one line naming DISCORD_TOKEN, exit 1).

SIGTERM (systemd, docker) and SIGINT (Ctrl-C) stop it cleanly: scheduled work stops (a running
job gets a few seconds), the gateway closes, the lease is released, the database is disposed
(SQLite checkpoints its WAL when the last connection closes); exit 0 within 10 seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from contextlib import suppress

import discord
import yarl

from bot.app import create_bot
from bot.config import Settings
from bot.db import Database
from bot.diagnose import Problem, database_problem, discord_problem, guarded, open_database
from bot.lease import LEASE_TTL, Lease, LeaseHeld, current_holder

log = logging.getLogger(__name__)

# Bound for closing the bot (scheduler, gateway, HTTP); the whole stop stays within 10 seconds.
CLOSE_TIMEOUT_S = 7.0
RELEASE_TIMEOUT_S = 2.0


def use_discord_api(base: str | None) -> None:
    """Point discord.py at another API (a fake Discord in the process tests); None: the real one.

    The gateway is then expected at ``/gateway/`` on the same host, over ws(s).
    """
    if not base:
        return
    base = base.rstrip("/")
    discord.http.Route.BASE = base
    url = yarl.URL(base)
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = url.with_scheme(
        "wss" if url.scheme == "https" else "ws"
    ).with_path("/gateway/")


def held_message(held: LeaseHeld) -> str:
    holder = held.holder
    return (
        f"another `verbinder run` serves this database: {holder.describe()}, last heartbeat "
        f"{holder.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC. Stop it first, or start this one with --standby; "
        f"a crashed holder's lease expires within {int(LEASE_TTL.total_seconds())} seconds."
    )


async def serve(settings: Settings, token: str, *, standby: bool = False) -> int:
    url = settings.database_url
    use_discord_api(settings.discord_api_base)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_signal(sig: signal.Signals) -> None:
        if stop.is_set():
            # A second signal while stopping: the operator does not want to wait.
            log.warning("%s again: exiting at once", sig.name)
            os._exit(1)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        db = open_database(url)
        try:
            await guarded(url, db.ping())
            lease = Lease(db)
            holder = None
            if await guarded(url, db.has_table("service_leases")):
                async with db.read() as session:
                    holder = await guarded(url, current_holder(session, lease.clock()))
            if holder is not None:
                if not standby:
                    raise Problem(held_message(LeaseHeld(holder)))
                if not await guarded(url, lease.wait(stop)):
                    return 0
            # Migrated only once no other process serves: an upgrade never changes a schema under a running bot.
            await guarded(url, db.upgrade())
            if lease.expires_at is None:
                try:
                    await guarded(url, lease.acquire())
                except LeaseHeld as held:
                    raise Problem(held_message(held)) from None
            try:
                if stop.is_set():
                    return 0
                return await _serve(settings, db, lease, token, stop)
            finally:
                # Bounded: an unreachable database must not hold up the stop (the lease then expires).
                with suppress(Exception):
                    await asyncio.wait_for(lease.release(), RELEASE_TIMEOUT_S)
        finally:
            with suppress(Exception):
                await db.dispose()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def _serve(settings: Settings, db: Database, lease: Lease, token: str, stop: asyncio.Event) -> int:
    bot = create_bot(settings, database=db)
    runner = asyncio.create_task(bot.start(token), name="verbinder-discord")
    keeper = asyncio.create_task(lease.keep(), name="verbinder-lease")
    stopper = asyncio.create_task(stop.wait(), name="verbinder-stop")
    code = 0
    problem: str | None = None
    try:
        done, _ = await asyncio.wait({runner, keeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done and (error := runner.exception()) is not None:
            problem = discord_problem(error) or database_problem(error, settings.database_url)
            if problem is None:
                log.error("the bot stopped on an unexpected error", exc_info=error)
            code = 1
        elif runner in done:
            log.info("the bot stopped")
        if keeper in done and not keeper.cancelled():
            log.error("stopping: %s", keeper.exception())
            code = 1
        if stopper in done:
            log.info("stopping: signal received")
    finally:
        try:
            await asyncio.wait_for(bot.close(), CLOSE_TIMEOUT_S)
        except Exception:
            log.warning("the bot did not close cleanly within %s s", CLOSE_TIMEOUT_S, exc_info=True)
        for task in (runner, keeper, stopper):
            task.cancel()
        await asyncio.gather(runner, keeper, stopper, return_exceptions=True)
    if problem is not None:
        raise Problem(problem)
    log.info("stopped")
    return code
