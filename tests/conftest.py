"""Shared fixtures: settings on a fresh database, the real bot in SimCord, a migrated database.

The database is a fresh SQLite file per test, or, when ``VERBINDER_TEST_DATABASE_URL`` names a
PostgreSQL server (``postgresql+asyncpg://user:password@host:port/postgres``), a fresh database
on that server per test, created before and dropped after it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot import create_bot
from bot.config import Settings
from bot.db import Database
from tests.sim import FakeClock

# The sample community ships with the project (also the format example in the README).
SAMPLE_MEMBERS = Path(__file__).resolve().parents[1] / "bot" / "data" / "members-sample.csv"


TEST_DATABASE_URL = os.environ.get("VERBINDER_TEST_DATABASE_URL", "").strip()


def _admin(statement: str) -> None:
    """Run one statement on the test server's admin database, outside any test's event loop."""
    import asyncpg

    admin = make_url(TEST_DATABASE_URL).set(drivername="postgresql")

    async def go() -> None:
        conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, go()).result()


@pytest.fixture
def dialect() -> str:
    """The dialect the suite runs on: "sqlite", or "postgresql" with VERBINDER_TEST_DATABASE_URL."""
    return make_url(TEST_DATABASE_URL).get_backend_name() if TEST_DATABASE_URL else "sqlite"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file, whatever the suite runs on (for what only SQLite has)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'verbinder.db'}"


@pytest.fixture
def db_url(sqlite_url: str) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        yield sqlite_url
        return
    name = f"verbinder_test_{secrets.token_hex(6)}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(db_url: str) -> Settings:
    # _env_file=None: a developer's own .env never leaks into the tests.
    return Settings(_env_file=None, discord_token=None, database_url=db_url, dev_guild_id=None)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """A database built by running the migrations, as the bot does on start."""
    database = Database(db_url)
    await database.upgrade()
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """The bot's clock: a Friday afternoon, when no weekly round is due; tests move it."""
    return FakeClock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))


@pytest.fixture
async def simcord_bot(settings: Settings, clock: FakeClock):
    bot = create_bot(settings, clock=clock)
    yield bot
    # SimCord detaches the bot but leaves closing it (and its database) to the owner.
    await bot.close()


# SimCord waits this long (real time) for the bot to settle after each step. Its default (5 s) is
# tight on a loaded machine and on PostgreSQL; a test that passes never waits for it.
SETTLE_TIMEOUT_S = 30.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("simcord")
        options = dict(marker.kwargs) if marker else {}
        if "settle_timeout" not in options:
            item.add_marker(pytest.mark.simcord(**{**options, "settle_timeout": SETTLE_TIMEOUT_S}), append=False)
