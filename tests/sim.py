"""Helpers for SimCord tests: a synced server, Dutch-speaking members, and reading what the bot did."""

from __future__ import annotations

from typing import Any

import discord
import pytest
import simcord.interactions

from bot.errors import UserError


async def synced_guild(env: Any, **kwargs: Any) -> Any:
    """A server with a #general channel whose commands the bot synced the way an operator does."""
    guild = env.create_guild(**kwargs)
    guild.create_text_channel("general")
    with env._bot_scope():
        await env.bot.sync_commands(guild.id)
    return guild


def take_user_errors(env: Any) -> list[UserError]:
    """Acknowledge the errors the bot reported to members; fail on anything that was not a UserError."""
    found = []
    for error in env.errors:
        original = getattr(error, "original", error)
        assert isinstance(original, (UserError, discord.app_commands.CheckFailure)), repr(original)
        found.append(original)
    return found
