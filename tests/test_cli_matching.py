"""`verbinder suggest` and `verbinder match`: dry runs over the sample community."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db import Database
from bot.services import guilds
from models import Introduction
from tests.conftest import SAMPLE_MEMBERS

GUILD = "4242"
ANOUK = "310000000000000001"


@pytest.fixture(autouse=True)
def sample(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name in ("DISCORD_TOKEN", "DEV_GUILD_ID", "TIMEZONE", "DEFAULT_LOCALE", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["import-members", str(SAMPLE_MEMBERS), "--guild", GUILD]) == 0
    capsys.readouterr()


def run_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def check_reason(reason: dict, ids: set[str]) -> None:
    assert set(reason) == {"need_of", "need", "offer_of", "offer", "score"}
    assert reason["need_of"] in ids and reason["offer_of"] in ids and reason["need_of"] != reason["offer_of"]
    assert isinstance(reason["need"], str) and isinstance(reason["offer"], str)
    assert 0 <= reason["score"] <= 100


def sample_ids() -> set[str]:
    lines = SAMPLE_MEMBERS.read_text(encoding="utf-8-sig").splitlines()[1:]
    return {line.split(",")[0] for line in lines if line}


def test_suggest_for_one_member(capsys):
    data = run_json(capsys, "suggest", "--guild", GUILD, "--member", ANOUK, "--limit", "3")
    assert list(data) == ["suggestions"]
    assert list(data["suggestions"]) == [ANOUK]
    found = data["suggestions"][ANOUK]
    assert 1 <= len(found) <= 3
    ids = sample_ids()
    scores = [s["score"] for s in found]
    assert scores == sorted(scores, reverse=True)
    for suggestion in found:
        assert set(suggestion) == {"member", "score", "reasons"}
        assert suggestion["member"] in ids and suggestion["member"] != ANOUK
        assert suggestion["reasons"]
        for reason in suggestion["reasons"]:
            check_reason(reason, ids)
            assert ANOUK in (reason["need_of"], reason["offer_of"])


def test_suggest_for_everyone_and_a_known_match(capsys):
    data = run_json(capsys, "suggest", "--guild", GUILD)
    ids = sample_ids()
    assert set(data["suggestions"]) == ids
    # Ilse (juridisch advies coöperatie) and Hugo (legal advice for foundations): Dutch meets English.
    ilse, hugo = "310000000000000009", "310000000000000008"
    partners = {s["member"]: s for s in data["suggestions"][ilse]}
    assert hugo in partners
    reasons = partners[hugo]["reasons"]
    assert {"need_of": ilse, "need": "juridisch advies coöperatie", "offer_of": hugo} == {
        k: reasons[0][k] for k in ("need_of", "need", "offer_of")
    }
    assert reasons[0]["offer"] == "legal advice for foundations"


def test_match_previews_the_round_without_sending(capsys, db_url):
    data = run_json(capsys, "match", "--guild", GUILD)
    assert list(data) == ["pairs", "unmatched"]
    ids = sample_ids()
    seen: list[str] = []
    for pair in data["pairs"]:
        assert set(pair) == {"a", "b", "score", "reasons"}
        assert pair["a"] in ids and pair["b"] in ids and pair["a"] != pair["b"]
        assert 0 <= pair["score"] <= 100
        for reason in pair["reasons"]:
            check_reason(reason, {pair["a"], pair["b"]})
        seen += [pair["a"], pair["b"]]
    assert len(seen) == len(set(seen))  # nobody twice in one round
    assert set(seen) | set(data["unmatched"]) == ids  # imported members count as joined
    assert not set(seen) & set(data["unmatched"])
    assert len(data["pairs"]) >= 4

    async def stored() -> int:
        db = Database(db_url)
        try:
            async with db.session() as session:
                return (await session.execute(select(func.count()).select_from(Introduction))).scalar_one()
        finally:
            await db.dispose()

    assert asyncio.run(stored()) == 0  # a dry run records nothing


def configure_intros(db_url: str, **kwargs) -> None:
    async def go() -> None:
        db = Database(db_url)
        try:
            async with db.session() as session:
                await guilds.configure_intros(session, int(GUILD), channel_id=555, **kwargs)
        finally:
            await db.dispose()

    asyncio.run(go())


def test_suggest_prints_names_and_reasons_not_ids(capsys):
    assert main(["suggest", "--guild", GUILD, "--member", "310000000000000009"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Ilse Verhoeven:"
    assert re.match(r"  1\. \S.*  +\d+\.\d$", lines[1])
    assert "- Ilse Verhoeven needs “juridisch advies coöperatie”: Hugo" in out
    assert "offers “legal advice for foundations”" in out
    assert not re.search(r"\d{15,}", out)  # no Discord ids without --json


def test_match_prints_names_and_reasons_and_no_next_round_without_setup(capsys):
    assert main(["match", "--guild", GUILD]) == 0
    out = capsys.readouterr().out
    assert "Next round" not in out
    assert out.startswith("No weekly round: introductions are not set up in this server")
    assert " × " in out and " needs “" in out and " offers “" in out
    assert "Anouk de Vries" in out
    assert not re.search(r"\d{15,}", out)
    assert out.rstrip().splitlines()[-1].startswith("Unmatched: ")


def test_match_shows_the_next_round_in_the_servers_time_zone(capsys, db_url):
    configure_intros(db_url, weekday=2, at="09:30")
    assert main(["match", "--guild", GUILD]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    # 09:30 in Amsterdam (08:30 or 07:30 in UTC), on a Wednesday.
    assert re.fullmatch(r"Next round: Wednesday \d{1,2} \w+ \d{4}, 09:30 \(Europe/Amsterdam\)", first), first


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["suggest", "--guild", "999"], "server 999 is not in this database"),
        (["match", "--guild", "999"], "server 999 is not in this database"),
        (["match", "--guild", "999", "--json"], "server 999 is not in this database"),
        (["suggest", "--guild", "999", "--json"], "server 999 is not in this database"),
        (["suggest", "--guild", GUILD, "--member", "12345"], "member 12345 is not in server 4242"),
        (["suggest", "--guild", GUILD, "--member", "12345", "--json"], "member 12345 is not in server 4242"),
    ],
)
def test_an_unknown_server_or_member_is_a_clear_error(capsys, argv, message):
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("verbinder: ") and message in captured.err
