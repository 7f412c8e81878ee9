"""Operator errors are one line naming the setting (exit 1, no traceback); ``verbinder status``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.cli import main
from bot.db import Database
from bot.lease import Lease
from tests.conftest import TEST_DATABASE_URL

CONFIG_VARS = ("DISCORD_TOKEN", "DATABASE_URL", "DEV_GUILD_ID", "TIMEZONE", "DEFAULT_LOCALE", "LOG_LEVEL")
DB_COMMANDS = [("db", "upgrade"), ("db", "downgrade", "base"), ("db", "check"), ("status",), ("run",)]
COMMAND_IDS = ["db-upgrade", "db-downgrade", "db-check", "status", "run"]


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in CONFIG_VARS:
        monkeypatch.delenv(name, raising=False)
    # run needs a token to get as far as the database; it is never used (the database fails first).
    monkeypatch.setenv("DISCORD_TOKEN", "never-used")
    monkeypatch.setenv("DISCORD_API_BASE", "http://127.0.0.1:9/api/v10")
    monkeypatch.chdir(tmp_path)


def verbinder(capsys, monkeypatch, url: str, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def problems(dialect: str, tmp_path: Path) -> list[tuple[str, str]]:
    """(DATABASE_URL, what the line says) for what an operator gets wrong on this dialect."""
    (tmp_path / "a-file").write_text("not a folder")
    found = [
        ("nonsense", "is not a database URL Verbinder can use"),
        ("sqlite:///verbinder.db", "names a driver that is not asynchronous"),
        ("postgresql+asyncpg://verbinder:secret@127.0.0.1:9/verbinder", "cannot reach PostgreSQL at 127.0.0.1:9"),
    ]
    if dialect == "sqlite":
        found.append(
            (f"sqlite+aiosqlite:///{tmp_path / 'a-file' / 'verbinder.db'}", "cannot write the SQLite database")
        )
    else:
        server = make_url(TEST_DATABASE_URL)
        found += [
            (server.set(password="wrong").render_as_string(hide_password=False), "refused user"),
            (
                server.set(database="no_such_database").render_as_string(hide_password=False),
                "database 'no_such_database' does not exist",
            ),
        ]
    return found


@pytest.mark.parametrize("argv", DB_COMMANDS, ids=COMMAND_IDS)
def test_database_problems_are_one_line_naming_the_setting(capsys, monkeypatch, tmp_path, dialect, argv):
    for url, says in problems(dialect, tmp_path):
        code, out, err = verbinder(capsys, monkeypatch, url, *argv)
        assert code == 1, (url, err)
        if argv == ("status",):
            assert "Traceback" not in err
            line = next(line for line in out.splitlines() if line.startswith("  not reachable: "))
        else:
            line = one_line(err)
        assert "DATABASE_URL" in line, line
        assert says in line, line
        assert "secret" not in out + err and ":wrong@" not in out + err  # passwords are never shown


def test_status_of_a_served_database(capsys, monkeypatch, db_url):
    lease: Lease | None = None

    async def serve() -> None:
        nonlocal lease
        db = Database(db_url)
        try:
            await db.upgrade()
            lease = Lease(db, host="verbinder-host", pid=4242)
            await lease.acquire()
        finally:
            await db.dispose()

    async def stop() -> None:
        assert lease is not None
        lease.db = Database(db_url)
        try:
            await lease.release()
        finally:
            await lease.db.dispose()

    code, out, _ = verbinder(capsys, monkeypatch, db_url, "status")
    assert code == 1  # not migrated, nobody serves
    assert "not migrated" in out and "NOT healthy" in out
    asyncio.run(serve())
    code, out, _ = verbinder(capsys, monkeypatch, db_url, "status")
    assert code == 0, out
    assert "schema at head" in out
    assert "Serving: verbinder-host (pid 4242)" in out
    assert out.strip().endswith("Healthy")
    code, out, _ = verbinder(capsys, monkeypatch, db_url, "status", "--json")
    report = json.loads(out)
    assert code == 0 and report["healthy"] is True
    assert report["lease"]["pid"] == 4242
    assert report["database"]["revision"] == report["database"]["head"] == Database.head()
    assert set(report["pending"]) == {
        "proposals_to_send",
        "proposals_unconfirmed",
        "summaries_to_post",
        "followups_due",
        "outbox_waiting",
        "outbox_sending",
        "outbox_unconfirmed",
        "outbox_given_up",
    }
    asyncio.run(stop())
    code, out, _ = verbinder(capsys, monkeypatch, db_url, "status")
    assert code == 1
    assert "Serving: nobody" in out
