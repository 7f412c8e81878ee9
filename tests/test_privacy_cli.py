"""``verbinder privacy export|delete|purge``: the operator's side of export and erasure requests."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.db import Database
from bot.services import privacy
from models import GuildDeparture, MemberDeparture

GUILD = 1001
ANOUK = 310000000000000001
CHLOE = 310000000000000003
MEMBERS = (
    "discord_id,name,sector,organisation,region,locale,offers,needs\n"
    f"{ANOUK},Anouk de Vries,government,Gemeente Tilburg,Tilburg,nl,beleidsadvies|vergaderruimte,ideeën\n"
    f"{CHLOE},Chloé Peeters,company,Peeters Accountancy,Waalwijk,en,boekhouding,klanten\n"
)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> None:
    for name in ("DISCORD_TOKEN", "DEV_GUILD_ID", "TIMEZONE", "DEFAULT_LOCALE", "LOG_LEVEL", "RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "members.csv").write_text(MEMBERS, encoding="utf-8")
    assert main(["import-members", "members.csv", "--guild", str(GUILD)]) == 0


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def knows(db_url: str, guild_id: int, user_id: int) -> bool:
    async def go() -> bool:
        db = Database(db_url)
        try:
            async with db.session() as session:
                return await privacy.knows_member(session, guild_id, user_id)
        finally:
            await db.dispose()

    return asyncio.run(go())


def add(db_url: str, *rows: object) -> None:
    async def go() -> None:
        db = Database(db_url)
        try:
            async with db.session() as session:
                session.add_all(rows)
        finally:
            await db.dispose()

    asyncio.run(go())


def test_export_prints_json_of_everything_that_names_the_member(capsys):
    code, out, err = run(capsys, "privacy", "export", "--guild", str(GUILD), "--member", str(ANOUK))
    assert code == 0, err
    data = json.loads(out)
    assert data["user_id"] == str(ANOUK)
    assert [m["name"] for m in data["tables"]["members"]] == ["Anouk de Vries"]
    assert sorted(i["text"] for i in data["tables"]["member_items"]) == ["beleidsadvies", "ideeën", "vergaderruimte"]
    assert "Chloé" not in out


def test_export_to_a_file(capsys, tmp_path):
    code, out, err = run(capsys, "privacy", "export", "--guild", str(GUILD), "--member", str(ANOUK), "--out", "a.json")
    assert code == 0 and out == ""
    assert "a.json" in err
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["guild_id"] == str(GUILD)


def test_delete_needs_yes_and_then_erases_only_that_member(capsys, db_url):
    code, _, err = run(capsys, "privacy", "delete", "--guild", str(GUILD), "--member", str(ANOUK))
    assert code == 2 and "--yes" in err
    assert knows(db_url, GUILD, ANOUK)
    code, out, err = run(capsys, "privacy", "delete", "--guild", str(GUILD), "--member", str(ANOUK), "--yes")
    assert code == 0, err
    assert f"naming member {ANOUK}" in out
    assert not knows(db_url, GUILD, ANOUK)
    assert knows(db_url, GUILD, CHLOE)


@pytest.mark.parametrize("action", ["export", "delete"])
def test_an_unknown_member_or_server_is_a_clear_message_and_exit_1(capsys, action):
    extra = ["--yes"] if action == "delete" else []
    code, out, err = run(capsys, "privacy", action, "--guild", "4242", "--member", str(ANOUK), *extra)
    assert (code, out) == (1, "")
    assert "nothing is stored for server 4242" in err
    code, out, err = run(capsys, "privacy", action, "--guild", str(GUILD), "--member", "99", *extra)
    assert (code, out) == (1, "")
    assert "nothing names member 99" in err


def test_purge_applies_the_retention_now(capsys, db_url, monkeypatch):
    now = datetime.now(UTC)
    add(
        db_url,
        MemberDeparture(guild_id=GUILD, user_id=ANOUK, left_at=now - timedelta(days=31)),
        MemberDeparture(guild_id=GUILD, user_id=CHLOE, left_at=now - timedelta(days=5)),
    )
    code, out, _ = run(capsys, "privacy", "purge")
    assert code == 0
    assert out == "Erased 0 server(s) and 1 member(s) that left more than 30 days ago.\n"
    assert not knows(db_url, GUILD, ANOUK)
    assert knows(db_url, GUILD, CHLOE)
    monkeypatch.setenv("RETENTION_DAYS", "3")
    add(db_url, GuildDeparture(guild_id=GUILD, left_at=now - timedelta(days=4)))
    code, out, _ = run(capsys, "privacy", "purge")
    assert out == "Erased 1 server(s) and 0 member(s) that left more than 3 days ago.\n"
    assert not knows(db_url, GUILD, CHLOE)
