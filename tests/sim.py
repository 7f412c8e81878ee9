"""Helpers for SimCord tests: a synced server and reading what the bot reported."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from discord import app_commands

from bot.errors import UserError
from bot.simulation import run_jobs, sync_guild


async def synced_guild(env: Any, **kwargs: Any) -> Any:
    """A server whose commands the bot synced."""
    guild = env.create_guild(**kwargs)
    await sync_guild(env, guild.id)
    return guild


def take_user_errors(env: Any) -> list[Exception]:
    """Acknowledge the errors the bot reported to members; fail on anything that is not a user error."""
    found = []
    for error in env.errors:
        original = getattr(error, "original", error)
        assert isinstance(original, (UserError, app_commands.CheckFailure)), repr(original)
        found.append(original)
    return found


def pings_nobody(env: Any) -> bool:
    """True when every message the bot sent allowed no mentions at all."""
    for request in env.http_requests:
        body = request.json if isinstance(request.json, dict) else None
        if not body or request.method not in ("POST", "PATCH"):
            continue
        data = body.get("data", body) if isinstance(body.get("data"), dict) else body
        if ("content" in data or "embeds" in data) and data.get("allowed_mentions") != {"parse": []}:
            return False
    return True


class FakeClock:
    """The bot's injectable clock: tests move it; the bot reads it wherever it needs "now"."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def run_scheduled(env: Any) -> None:
    """Run the introductions' minute tick (rounds, expiry, follow-ups) now, as the scheduler would."""
    await run_jobs(env, "introductions")


async def restart(env: Any, settings: Any, clock: Any = None) -> Any:
    """Restart as a new process would: a fresh bot object over the same world and database."""
    from bot import create_bot

    old = env.bot
    await env.restart_bot(create_bot(settings, clock=clock))
    await old.close()
    return env.bot
