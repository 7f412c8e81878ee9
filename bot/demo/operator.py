"""The operator's side of the demo: the real ``verbinder`` CLI, run in-process on the demo's database."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
from collections.abc import Iterator, Sequence
from typing import Any


@contextlib.contextmanager
def _environment(settings: Any) -> Iterator[None]:
    """Every setting from the demo's settings, so the CLI reads neither the user's .env nor their database."""
    names = [name.upper() for name in type(settings).model_fields]
    saved = {name: os.environ.get(name) for name in names}
    try:
        for name in type(settings).model_fields:
            value = getattr(settings, name)
            if hasattr(value, "get_secret_value"):
                value = value.get_secret_value()
            os.environ[name.upper()] = "" if value is None else str(value)
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def _run_cli(settings: Any, argv: Sequence[str]) -> tuple[int, str]:
    from bot.cli import main

    out = io.StringIO()
    with _environment(settings), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # the CLI's own "verbinder: ..." errors
            code = exc.code if isinstance(exc.code, int) else 1
            if exc.code and not isinstance(exc.code, int):
                print(exc.code)
    return code, out.getvalue()


async def verbinder_cli(settings: Any, *argv: str) -> tuple[int, str]:
    """Run ``verbinder ARGV`` as an operator would, and return its exit code and what it printed.

    The CLI starts its own event loop, so it runs in a worker thread while the demo's loop waits.
    """
    return await asyncio.to_thread(_run_cli, settings, argv)


async def verbinder_match(settings: Any, guild_id: int) -> tuple[int, str]:
    return await verbinder_cli(settings, "match", "--guild", str(guild_id))
