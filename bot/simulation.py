"""Glue for running the real bot in SimCord's simulated Discord (the demo and the tests).

SimCord sends every interaction with locale ``en-US``; :func:`member_locales` lets
chosen members use another client language, as Dutch members do.
Needs the ``simcord`` package (the ``demo`` and ``test`` extras).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import simcord.interactions as _interactions


@contextmanager
def member_locales(locales: dict[int, str]) -> Iterator[dict[int, str]]:
    """While active, interactions of the user ids in ``locales`` carry that locale (e.g. ``"nl"``).

    The mapping stays live: add a member to it at any time.
    """
    original = _interactions.base_payload

    def with_locale(backend: Any, *, user_id: int, **kwargs: Any) -> Any:
        record, payload = original(backend, user_id=user_id, **kwargs)
        if user_id in locales:
            payload["locale"] = locales[user_id]
        return record, payload

    _interactions.base_payload = with_locale
    try:
        yield locales
    finally:
        _interactions.base_payload = original


@contextmanager
def as_bot(env: Any) -> Iterator[None]:
    """Run code as the bot's own task would, so SimCord attributes its Discord calls to the bot.

    The one place that touches SimCord's private API.
    """
    with env._bot_scope():
        yield


async def sync_guild(env: Any, guild_id: int) -> None:
    """Sync the bot's commands to one simulated server, the way an operator's ``verbinder sync`` does."""
    with as_bot(env):
        await env.bot.sync_commands(guild_id)


async def run_jobs(env: Any, *job_ids: str, settle: bool = True) -> None:
    """Run the bot's scheduled jobs (all, or those named) once now, as its scheduler would, then
    wait until the bot has handled what they started. ``settle=False`` leaves the waiting to the
    caller: runs that overlap (two schedulers at once) must settle once, after all of them."""
    with as_bot(env):
        for job in env.bot.scheduler.get_jobs():
            if not job_ids or job.id in job_ids:
                await job.func()
    if settle:
        await env.settle()
