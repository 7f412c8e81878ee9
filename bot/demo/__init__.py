"""``verbinder demo``: the real bot in SimCord's simulated Discord, told as a narrated transcript.

No token, no network, no real database: the bot is built by :func:`bot.create_bot` on a
throwaway SQLite file, and a sample community from Midden-Brabant (fictional people, see
``bot/data/demo_community.csv``) runs the real slash commands through SimCord actors.
Every reply printed is what the bot actually answered, in the member's own language.

Needs the ``simcord`` package (the ``demo`` extra: ``pip install -e '.[demo]'``).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from bot.demo.printer import Printer
from bot.demo.story import CHAPTERS, Demo, DemoClock, DemoError, load_community

FAST_ENV = "VERBINDER_DEMO_FAST"
STEP_PAUSE = 1.2

__all__ = ["CHAPTERS", "Demo", "DemoError", "Printer", "load_community", "main", "run_demo"]


def demo_settings(directory: str | Path) -> Any:
    """Settings on a throwaway SQLite file: never the user's .env, database or token."""
    from bot.config import Settings

    url = f"sqlite+aiosqlite:///{(Path(directory) / 'verbinder-demo.db').as_posix()}"
    return Settings(_env_file=None, database_url=url, dev_guild_id=None, discord_token=None)


async def run_demo(
    out: TextIO | None = None,
    *,
    pause: float = 0.0,
    color: bool = False,
    inspect: Callable[[Demo], None] | None = None,
) -> int:
    """Run the whole story once; returns the exit code.

    ``inspect`` sees the finished demo while the simulated world still runs (tests read what was sent).
    """
    import simcord

    from bot import create_bot
    from bot.simulation import member_locales

    printer = Printer(out or sys.stdout, color=color)
    with tempfile.TemporaryDirectory(prefix="verbinder-demo-", ignore_cleanup_errors=True) as directory:
        clock = DemoClock()
        bot = create_bot(demo_settings(directory), clock=clock)
        try:
            with member_locales({}) as locales:
                async with simcord.run(bot) as env:
                    demo = Demo(env, bot, printer, pause=pause, clock=clock)
                    await demo.setup()
                    for key, person in demo.people.items():
                        if person.locale != "en":
                            locales[demo.actors[key].id] = person.locale
                    await demo.story()
                    await demo.summary()
                    if inspect is not None:
                        inspect(demo)
        finally:
            # SimCord detaches the bot but does not close it: close the database and scheduler
            # here, before the temporary directory with the database file goes away.
            await bot.close()
    return 0


def _wants_pause(args: argparse.Namespace | None, out: TextIO) -> bool:
    if args is not None and getattr(args, "fast", False):
        return False
    if os.environ.get(FAST_ENV, "").strip() not in ("", "0"):
        return False
    return out.isatty()


def main(args: argparse.Namespace | None = None) -> int:
    out = sys.stdout
    tty = out.isatty()
    color = tty and "NO_COLOR" not in os.environ
    pause = STEP_PAUSE if _wants_pause(args, out) else 0.0
    try:
        return asyncio.run(run_demo(out, pause=pause, color=color))
    except DemoError as exc:
        print(f"verbinder demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nDemo gestopt / demo stopped.", file=out)
        return 0
    except BrokenPipeError:
        # The reader went away (``verbinder demo | head``): stop quietly, as other CLI tools do.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        return 0
