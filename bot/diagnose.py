"""Operator-facing explanations: an exception becomes one line naming the setting and what to do.

Used by the CLI (``run``, ``sync``, ``db``, ``status`` ...) so that a wrong DATABASE_URL or
DISCORD_TOKEN ends with one clear line and exit code 1 instead of a traceback.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Awaitable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from bot.db import Database

# SQLAlchemy and bot.db are imported by the functions that need them: the CLI imports this module
# for :class:`Problem` at every start, also for ``verbinder --help``.

T = TypeVar("T")
EXAMPLE_URLS = "sqlite+aiosqlite:///verbinder.db or postgresql+asyncpg://USER:PASSWORD@HOST:5432/DATABASE"


class Problem(Exception):
    """A problem the operator can fix; the message is the one line shown."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__, getattr(current, "orig", None)]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def shown_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable)"


def _parse(url: str) -> URL | None:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url)
    except Exception:
        return None


def database_problem(exc: BaseException, url: str) -> str | None:
    """One line for a database error the operator can fix; None when it is not one (a bug)."""
    from sqlalchemy.exc import ArgumentError, InvalidRequestError, NoSuchModuleError, SQLAlchemyError

    parsed = _parse(url)
    chain = list(_chain(exc))
    names = {type(e).__name__ for e in chain}
    if parsed is None or any(isinstance(e, ArgumentError | NoSuchModuleError) for e in chain):
        return f"DATABASE_URL {shown_url(url)!r} is not a database URL Verbinder can use: set it to {EXAMPLE_URLS}."
    if any(isinstance(e, InvalidRequestError) and "async" in str(e) for e in chain):
        return f"DATABASE_URL {shown_url(url)!r} names a driver that is not asynchronous: use {EXAMPLE_URLS}."
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = parsed.database or ""
        for e in chain:
            if isinstance(e, OSError) or (
                isinstance(e, sqlite3.OperationalError)
                and any(w in str(e) for w in ("unable to open", "readonly", "read-only", "disk I/O"))
            ):
                reason = _first_line(e)
                if isinstance(e, OSError) and e.strerror:
                    reason = f"{e.strerror}: {e.filename}" if e.filename else e.strerror
                return (
                    f"DATABASE_URL: cannot write the SQLite database {path!r} ({reason}): make its folder writable "
                    "for this user, or point DATABASE_URL at a writable file."
                )
    elif backend == "postgresql":
        where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
        if names & {"InvalidPasswordError", "InvalidAuthorizationSpecificationError"}:
            return (
                f"DATABASE_URL: PostgreSQL at {where} refused user {parsed.username!r} (wrong password or unknown "
                "user): fix the user name and password in DATABASE_URL."
            )
        if "InvalidCatalogNameError" in names:
            return (
                f"DATABASE_URL: database {parsed.database!r} does not exist on {where}: create it "
                f"(createdb -O {parsed.username or 'USER'} {parsed.database}) or fix the name in DATABASE_URL."
            )
        for e in chain:
            if isinstance(e, OSError | TimeoutError | socket.gaierror):
                reason = e.strerror if isinstance(e, OSError) and e.strerror else _first_line(e) or "timed out"
                return (
                    f"DATABASE_URL: cannot reach PostgreSQL at {where} ({reason}): start the server, or fix the "
                    "host and port in DATABASE_URL."
                )
    for e in chain:
        if type(e).__name__ == "CommandError" and "locate revision" in str(e):
            return (
                f"the database at {shown_url(url)} has a schema revision this version of Verbinder does not know "
                f"({_first_line(e)}): run the Verbinder version that wrote it, or restore a backup."
            )
    if isinstance(exc, SQLAlchemyError | OSError):
        original = getattr(exc, "orig", None) or exc
        return f"DATABASE_URL ({shown_url(url)}): {type(original).__name__}: {_first_line(original)}"
    return None


def discord_problem(exc: BaseException) -> str | None:
    """One line for a Discord login/connection error the operator can fix; None for anything else."""
    import aiohttp
    import discord

    chain = list(_chain(exc))
    for e in chain:
        if isinstance(e, discord.LoginFailure):
            return (
                "DISCORD_TOKEN was refused by Discord: copy the bot's token from the Developer Portal "
                "(Bot → Reset Token) into .env or the environment."
            )
        if isinstance(e, discord.PrivilegedIntentsRequired):
            return "Discord refused the bot's intents: enable them in the Developer Portal (Bot → Privileged Intents)."
    for e in chain:
        if isinstance(e, aiohttp.ClientError | OSError | TimeoutError | discord.GatewayNotFound):
            reason = f"{type(e).__name__}: {_first_line(e)}"
            return f"cannot reach Discord ({reason}): check the network, proxy and firewall."
        if isinstance(e, discord.HTTPException):
            return f"Discord answered {e.status}: {_first_line(e)}."
    return None


def open_database(url: str) -> Database:
    """Build the database (no connection yet); a URL that cannot work is a :class:`Problem`."""
    from bot.db import Database, ensure_sqlite_dir

    try:
        ensure_sqlite_dir(url)
        return Database(url)
    except Exception as exc:
        problem = database_problem(exc, url)
        if problem is None:
            raise
        raise Problem(problem) from None


async def guarded(url: str, work: Awaitable[T]) -> T:
    """Await database work; an error the operator can fix becomes a :class:`Problem`."""
    try:
        return await work
    except Exception as exc:
        problem = database_problem(exc, url)
        if problem is None:
            raise
        raise Problem(problem) from None
