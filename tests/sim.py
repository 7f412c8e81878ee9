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


def sent_messages(env: Any) -> list[dict[str, Any]]:
    """Every message body (content, embeds) the bot sent or edited over Discord's API, in order."""
    found = []
    for request in env.http_requests:
        body = request.json if isinstance(request.json, dict) else None
        if not body or request.method not in ("POST", "PATCH"):
            continue
        data = body.get("data", body) if isinstance(body.get("data"), dict) else body
        if "content" in data or "embeds" in data:
            found.append(data)
    return found


def nonces(env: Any, channel_id: int) -> list[tuple[str | None, bool | None]]:
    """(nonce, enforce_nonce) of every message the bot posted to a channel (a DM channel too), in
    order: what makes Discord drop a repeat (SimCord records them but does not act on them)."""
    return [
        (r.json.get("nonce"), r.json.get("enforce_nonce"))
        for r in env.http_requests
        if r.method == "POST" and r.path == f"/channels/{channel_id}/messages" and isinstance(r.json, dict)
    ]


def over_discord_limits(message: dict[str, Any]) -> list[str]:
    """What in one sent message breaks Discord's limits (empty when nothing does)."""
    problems = []
    if len(message.get("content") or "") > 2000:
        problems.append(f"content has {len(message['content'])} characters")
    total = 0
    for embed in message.get("embeds") or []:
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append(f"{len(fields)} fields")
        texts = [("title", embed.get("title"), 256), ("description", embed.get("description"), 4096)]
        texts += [(f"field name {f.get('name')!r}", f.get("name"), 256) for f in fields]
        texts += [(f"field value of {f.get('name')!r}", f.get("value"), 1024) for f in fields]
        texts += [("footer", (embed.get("footer") or {}).get("text"), 2048)]
        texts += [("author", (embed.get("author") or {}).get("name"), 256)]
        for what, text, limit in texts:
            if text and len(text) > limit:
                problems.append(f"{what} has {len(text)} characters (at most {limit})")
            total += len(text or "")
    if total > 6000:
        problems.append(f"embeds have {total} characters together (at most 6000)")
    return problems


class FakeClock:
    """The bot's injectable clock: tests move it; the bot reads it wherever it needs "now"."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def run_scheduled(env: Any, *, settle: bool = True) -> None:
    """Run the introductions' minute tick (rounds, expiry, follow-ups) now, as the scheduler would
    (see ``run_jobs`` for ``settle``)."""
    await run_jobs(env, "introductions", settle=settle)


async def restart(env: Any, settings: Any, clock: Any = None) -> Any:
    """Restart as a new process would: a fresh bot object over the same world and database."""
    from bot import create_bot

    old = env.bot
    await env.restart_bot(create_bot(settings, clock=clock))
    await old.close()
    return env.bot
