"""Shared fixtures: settings on a fresh SQLite file, the real bot in SimCord, a migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import create_bot
from bot.config import Settings
from bot.db import Database
from tests.sim import FakeClock

# The sample community ships with the project (also the format example in the README).
SAMPLE_MEMBERS = Path(__file__).resolve().parents[1] / "bot" / "data" / "members-sample.csv"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'verbinder.db'}"


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
