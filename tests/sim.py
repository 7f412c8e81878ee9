"""Helpers for SimCord tests: a synced server and reading what the bot reported."""

from __future__ import annotations

from typing import Any

from discord import app_commands

from bot.errors import UserError
from bot.simulation import sync_guild


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
        if "content" in data or "embeds" in data:
            if data.get("allowed_mentions") != {"parse": []}:
                return False
    return True
