"""The real ``verbinder run`` as a process, against a fake Discord on 127.0.0.1 (tests/fake_discord.py).

A signal stops it cleanly (exit 0 within 10 s, lease released, SQLite WAL checkpointed); a second
one on the same database exits 1 naming the first; the database is checked before Discord.
Runs on the suite's database (SQLite, or PostgreSQL with VERBINDER_TEST_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.db import Database
from bot.lease import Holder, current_holder
from tests.fake_discord import TOKEN, FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
CONFIG_VARS = ("DISCORD_TOKEN", "DATABASE_URL", "DEV_GUILD_ID", "TIMEZONE", "DEFAULT_LOCALE", "LOG_LEVEL")
STOP_WITHIN_S = 10
START_WITHIN_S = 60


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    discord = FakeDiscord()
    await discord.start()
    try:
        yield discord
    finally:
        await discord.stop()


class Run:
    """One ``verbinder run`` process."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.stderr = ""

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def finish(self, within: float) -> int:
        """Wait for the exit; its code (the process is killed and the test fails after ``within`` s)."""
        try:
            _, err = await asyncio.wait_for(self.proc.communicate(), within)
        except TimeoutError:
            self.proc.kill()
            _, err = await self.proc.communicate()
            self.stderr = err.decode()
            pytest.fail(f"verbinder run did not exit within {within} s:\n{self.stderr}")
        self.stderr = err.decode()
        assert self.proc.returncode is not None
        return self.proc.returncode


async def start(
    tmp_path: Path, db_url: str, fake: FakeDiscord, *args: str, token: str = TOKEN, command: str = "run"
) -> Run:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env |= {
        "DISCORD_TOKEN": token,
        "DATABASE_URL": db_url,
        "DISCORD_API_BASE": fake.api_base,
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "INFO",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        command,
        *args,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    return Run(proc)


async def connected(run: Run, fake: FakeDiscord) -> None:
    """Wait until the process identified on the fake gateway (it is serving)."""
    waiter = asyncio.ensure_future(fake.identified.wait())
    exited = asyncio.ensure_future(run.proc.wait())
    done, _ = await asyncio.wait({waiter, exited}, timeout=START_WITHIN_S, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if exited not in done:
        exited.cancel()
    if waiter not in done or exited in done:
        if run.proc.returncode is None:
            run.proc.kill()
        _, err = await run.proc.communicate()
        pytest.fail(f"verbinder run did not connect to the fake Discord:\n{err.decode()}")


async def holder(db_url: str) -> Holder | None:
    db = Database(db_url)
    try:
        async with db.read() as session:
            return await current_holder(session, datetime.now(UTC))
    finally:
        await db.dispose()


def wal_file(db_url: str) -> Path:
    return Path(f"{make_url(db_url).database}-wal")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_stops_it_cleanly_within_ten_seconds(tmp_path, db_url, dialect, fake, sig):
    run = await start(tmp_path, db_url, fake)
    await connected(run, fake)
    serving = await holder(db_url)
    assert serving is not None and serving.pid == run.pid
    began = time.monotonic()
    run.proc.send_signal(sig)
    assert await run.finish(STOP_WITHIN_S) == 0, run.stderr
    assert time.monotonic() - began < STOP_WITHIN_S
    assert "Traceback" not in run.stderr
    assert "stopping: signal received" in run.stderr
    assert fake.closed_sessions == 1  # the gateway was closed, not dropped
    assert await holder(db_url) is None  # the lease was released: a successor starts at once
    if dialect == "sqlite":
        # The last connection closed: SQLite checkpointed the WAL into the database and removed it.
        assert not wal_file(db_url).exists()


async def test_a_second_run_on_the_same_database_exits_naming_the_first(tmp_path, db_url, fake):
    first = await start(tmp_path, db_url, fake)
    await connected(first, fake)
    second = await start(tmp_path, db_url, fake)
    try:
        assert await second.finish(START_WITHIN_S) == 1
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert "another `verbinder run` serves this database" in lines[0]
        assert f"pid {first.pid}" in lines[0]
        assert fake.identifies == 1  # the second never connected to Discord
        # The other commands never take the lease: they work beside the serving process.
        sample = str(ROOT / "bot" / "data" / "members-sample.csv")
        for commands in (
            (("status",), ("db", "upgrade"), ("import-members", sample, "--guild", "1")),
            (("match", "--guild", "1"), ("suggest", "--guild", "1", "--limit", "1")),
        ):
            others = [await start(tmp_path, db_url, fake, *argv[1:], command=argv[0]) for argv in commands]
            codes = await asyncio.gather(*(other.finish(START_WITHIN_S) for other in others))
            assert codes == [0] * len(commands), [other.stderr for other in others]
        assert (await holder(db_url)).pid == first.pid  # type: ignore[union-attr]
    finally:
        first.proc.send_signal(signal.SIGTERM)
        assert await first.finish(STOP_WITHIN_S) == 0, first.stderr


async def test_a_refused_token_is_one_line_after_the_database_was_checked(tmp_path, db_url, fake):
    run = await start(tmp_path, db_url, fake, token="not-the-token")
    assert await run.finish(START_WITHIN_S) == 1
    lines = run.stderr.strip().splitlines()
    assert lines[-1].startswith("verbinder: DISCORD_TOKEN was refused by Discord"), run.stderr
    assert "Traceback" not in run.stderr
    # Migrations show in the log, Alembic's set-up chatter does not.
    assert f"-> {Database.head()}, " in run.stderr
    assert "alembic.runtime.plugins" not in run.stderr and "Context impl" not in run.stderr
    db = Database(db_url)
    try:
        assert await db.revision() == Database.head()  # migrated before logging in
    finally:
        await db.dispose()
    assert await holder(db_url) is None


async def test_an_unusable_database_stops_it_before_discord(tmp_path, fake):
    (tmp_path / "a-file").write_text("not a folder")
    run = await start(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'a-file' / 'verbinder.db'}", fake)
    assert await run.finish(START_WITHIN_S) == 1
    assert run.stderr.strip().splitlines() == [run.stderr.strip()]
    assert run.stderr.startswith("verbinder: DATABASE_URL: cannot write the SQLite database"), run.stderr
    assert fake.logins == 0


async def test_sync_with_a_refused_token_is_one_line(tmp_path, db_url, fake):
    run = await start(tmp_path, db_url, fake, "--guild", "123", token="not-the-token", command="sync")
    assert await run.finish(START_WITHIN_S) == 1
    assert run.stderr.strip().splitlines()[-1].startswith("verbinder: DISCORD_TOKEN was refused by Discord")
    assert "Traceback" not in run.stderr
