"""``verbinder report``: the impact charts (PNG) and table (CSV) of a server, offline from the database."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.db import Database
from bot.services.value.thanks import rebuild_daily
from models import Member, Thanks

GUILD = 1001
ANOUK, BRAM = 310000000000000001, 310000000000000002
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> None:
    for name in ("DISCORD_TOKEN", "DEV_GUILD_ID", "TIMEZONE", "DEFAULT_LOCALE", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)


def seed(db_url: str) -> None:
    async def go() -> None:
        db = Database(db_url)
        try:
            await db.upgrade()
            now = datetime.now(UTC)
            async with db.session() as session:
                session.add_all(
                    [
                        Member(guild_id=GUILD, user_id=ANOUK, name="Anouk", sector="government", locale="nl"),
                        Member(guild_id=GUILD, user_id=BRAM, name="Bram", sector="company", locale="nl"),
                        Thanks(
                            guild_id=GUILD,
                            thanker_id=ANOUK,
                            helper_id=BRAM,
                            thanker_sector="government",
                            helper_sector="company",
                            kind="space",
                            text="Een zaal voor het buurtoverleg",
                            created_at=now - timedelta(days=10),
                        ),
                        Thanks(
                            guild_id=GUILD,
                            thanker_id=BRAM,
                            helper_id=ANOUK,
                            thanker_sector="company",
                            helper_sector="government",
                            kind="knowledge",
                            text="Uitleg over de subsidieregeling",
                            created_at=now - timedelta(days=200),
                        ),
                    ]
                )
                await session.flush()
                # Rows added directly: count them per day as recording a thanks does.
                await rebuild_daily(session, GUILD)
        finally:
            await db.dispose()

    asyncio.run(go())


def test_report_writes_valid_pngs_and_a_csv(db_url, tmp_path, capsys):
    seed(db_url)
    out = tmp_path / "rapport"
    code = main(["report", "--guild", str(GUILD), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    names = {"sectors.png", "trend.png", "kinds.png", "impact.csv"}
    assert {p.name for p in out.iterdir()} == names
    assert all(f"Wrote {out / name}" in printed for name in names)
    for name in ("sectors.png", "trend.png", "kinds.png"):
        data = (out / name).read_bytes()
        assert data.startswith(PNG) and b"IEND" in data[-12:]
    with (out / "impact.csv").open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["table", "row", "column", "value"]
    assert all(len(row) == 4 for row in table)
    # The default period is the last 90 days: the older thanks is left out.
    assert ["summary", "thanks", "", "1.0"] in table
    assert ["sectors_thanks", "company", "government", "1"] in table

    # With --since a year back, both thanks count.
    since = (datetime.now(UTC) - timedelta(days=365)).date().isoformat()
    assert main(["report", "--guild", str(GUILD), "--out", str(out), "--since", since, "--lang", "en"]) == 0
    with (out / "impact.csv").open(encoding="utf-8", newline="") as handle:
        assert ["summary", "thanks", "", "2.0"] in list(csv.reader(handle))


def test_report_refuses_bad_input_clearly(db_url, tmp_path, capsys):
    seed(db_url)
    out = tmp_path / "rapport"
    assert main(["report", "--guild", str(GUILD), "--out", str(out), "--since", "3-12-2026"]) == 2
    assert "is not a date; write it as YYYY-MM-DD" in capsys.readouterr().err
    assert main(["report", "--guild", "42", "--out", str(out)]) == 1
    assert "no data for server 42" in capsys.readouterr().err
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    assert main(["report", "--guild", str(GUILD), "--out", str(out), "--since", tomorrow]) == 2
    assert "--since must lie in the past" in capsys.readouterr().err
    assert not out.exists()
