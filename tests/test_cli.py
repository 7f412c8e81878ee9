"""The ``verbinder`` command: import-members in-process, and the installed entry point in a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.cli import main
from bot.db import Database, alembic_config
from models import Member
from tests.conftest import SAMPLE_MEMBERS

GUILD = 1001
ANOUK = 310000000000000001
BRAM = 310000000000000002
CHLOE = 310000000000000003
HEADER = "discord_id,name,sector,organisation,region,locale,offers,needs\n"
GOOD = (
    HEADER
    + f"{ANOUK},Anouk de Vries,government,Gemeente Tilburg,Tilburg,nl,beleidsadvies|vergaderruimte,ideeën\n"
    + f"{CHLOE},Chloé Peeters,bedrijf,Peeters Accountancy,Waalwijk,en,boekhouding,klanten\n"
)
MIXED = GOOD + f"{BRAM},Bram Janssen,goverment,,,,fietsen repareren,\n" + "123,Daan,,,,,,\n"
CONFIG_VARS = ("DISCORD_TOKEN", "DEV_GUILD_ID", "TIMEZONE", "DEFAULT_LOCALE", "LOG_LEVEL")


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> None:
    # The working directory is tmp_path, so a developer's own .env is never read.
    for name in CONFIG_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)


def write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(db_url: str) -> dict[int, tuple]:
    """Every member with its fields and its items (with ids), by Discord id."""

    async def read() -> dict[int, tuple]:
        db = Database(db_url)
        try:
            async with db.session() as session:
                members = (await session.execute(select(Member).options(selectinload(Member.items)))).scalars()
                return {
                    m.user_id: (
                        m.guild_id,
                        m.name,
                        m.sector,
                        m.organisation,
                        m.region,
                        m.locale,
                        tuple((i.id, i.kind, i.text) for i in m.items),
                    )
                    for m in members
                }
        finally:
            await db.dispose()

    return asyncio.run(read())


def test_good_and_bad_rows(capsys, tmp_path, db_url):
    code, out, err = run(capsys, "import-members", str(write(tmp_path / "m.csv", MIXED)), "--guild", str(GUILD))
    assert code == 1
    assert out.strip() == "Imported 2 members into server 1001: 2 created, 0 updated, 0 unchanged; 2 rows rejected."
    lines = err.strip().splitlines()
    assert lines[0].startswith("line 4: sector 'goverment' is not one of government (overheid), company (bedrijf),")
    assert lines[1].startswith("line 5: discord_id '123' is not a Discord user id")
    assert len(lines) == 2
    members = snapshot(db_url)
    assert set(members) == {ANOUK, CHLOE}
    assert members[ANOUK][:6] == (GUILD, "Anouk de Vries", "government", "Gemeente Tilburg", "Tilburg", "nl")
    assert [(kind, text) for _id, kind, text in members[ANOUK][6]] == [
        ("offer", "beleidsadvies"),
        ("offer", "vergaderruimte"),
        ("need", "ideeën"),
    ]
    assert members[CHLOE][2] == "company"


def test_all_good_then_reimport_changes_nothing(capsys, tmp_path, db_url):
    path = write(tmp_path / "m.csv", GOOD)
    code, out, err = run(capsys, "import-members", str(path), "--guild", str(GUILD))
    assert (code, err) == (0, "")
    assert out.strip() == "Imported 2 members into server 1001: 2 created, 0 updated, 0 unchanged; no rows rejected."
    before = snapshot(db_url)

    code, out, err = run(capsys, "import-members", str(path), "--guild", str(GUILD))
    assert (code, err) == (0, "")
    assert "0 created, 0 updated, 2 unchanged; no rows rejected." in out
    assert snapshot(db_url) == before


def test_changed_file_updates(capsys, tmp_path, db_url):
    run(capsys, "import-members", str(write(tmp_path / "m.csv", GOOD)), "--guild", str(GUILD))
    changed = GOOD.replace("beleidsadvies|vergaderruimte", "vergaderruimte|netwerk")
    code, out, _err = run(capsys, "import-members", str(write(tmp_path / "m2.csv", changed)), "--guild", str(GUILD))
    assert code == 0
    assert "0 created, 1 updated, 1 unchanged" in out
    assert [text for _id, kind, text in snapshot(db_url)[ANOUK][6] if kind == "offer"] == ["vergaderruimte", "netwerk"]


def test_semicolons_and_bom(capsys, tmp_path, db_url):
    text = HEADER.replace(",", ";") + f"{ANOUK};Anouk;Sociale onderneming;Repair Café, Noord;;nl-NL;fietsen;\r\n"
    code, out, err = run(capsys, "import-members", str(write(tmp_path / "m.csv", text, bom=True)), "--guild", "7")
    assert (code, err) == (0, "")
    assert "Imported 1 member into server 7: 1 created" in out
    assert snapshot(db_url)[ANOUK][:6] == (7, "Anouk", "social_enterprise", "Repair Café, Noord", None, "nl")


def test_the_sample_community(capsys, db_url):
    code, out, err = run(capsys, "import-members", str(SAMPLE_MEMBERS), "--guild", str(GUILD))
    assert (code, err) == (0, "")
    assert "Imported 12 members into server 1001: 12 created" in out
    assert len(snapshot(db_url)) == 12


def test_missing_file(capsys, tmp_path):
    code, out, err = run(capsys, "import-members", "nope.csv", "--guild", str(GUILD))
    assert code == 2
    assert out == ""
    assert err.startswith("verbinder: cannot read nope.csv")
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "verbinder.db").exists()  # the database is not touched


def test_bad_header_imports_nothing(capsys, tmp_path):
    path = write(tmp_path / "m.csv", "id,naam\n1,x\n")
    code, out, err = run(capsys, "import-members", str(path), "--guild", str(GUILD))
    assert (code, out) == (2, "")
    assert "the header has no discord_id or name column" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "verbinder.db").exists()


def test_unknown_columns_are_mentioned(capsys, tmp_path):
    path = write(tmp_path / "m.csv", "discord_id,name,email\n" + f"{ANOUK},Anouk,a@example.org\n")
    code, _out, err = run(capsys, "import-members", str(path), "--guild", str(GUILD))
    assert code == 0
    assert err.strip() == "verbinder: ignoring unknown columns: email"


# --- the installed command, as an operator runs it ----------------------------------------------


def verbinder() -> list[str]:
    script = Path(sys.executable).with_name("verbinder")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def run_process(cwd: Path, db_url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env |= {"DISCORD_TOKEN": "", "DATABASE_URL": db_url}
    return subprocess.run(
        [*verbinder(), *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_help_lists_the_commands(tmp_path, db_url):
    result = run_process(tmp_path, db_url, "--help")
    assert result.returncode == 0
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("    ") and line.strip()}
    assert {"run", "db", "import-members", "demo"} <= listed


def test_run_without_token_explains(tmp_path, db_url):
    result = run_process(tmp_path, db_url, "run")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0]


def test_import_in_a_subprocess(tmp_path, db_url):
    result = run_process(tmp_path, db_url, "import-members", str(SAMPLE_MEMBERS), "--guild", str(GUILD))
    assert result.returncode == 0, result.stderr
    assert "12 created" in result.stdout
    assert len(snapshot(db_url)) == 12


# --- start-up: each command imports only what it uses ---------------------------------------------

HEAVY = ("alembic", "sqlalchemy", "pydantic", "pydantic_settings", "asyncio", "discord")


def imported(cwd: Path, db_url: str, code: str) -> tuple[str, set[str]]:
    """Run ``code`` in a fresh interpreter; its standard output and which HEAVY packages it loaded."""
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env |= {"DISCORD_TOKEN": "", "DATABASE_URL": db_url}
    report = f"import sys; print(*[m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)"
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, set(done.stderr.split())


def test_the_command_line_is_parsed_before_anything_heavy_is_imported(tmp_path, db_url):
    _, loaded = imported(
        tmp_path, db_url, "import bot.cli\nbot.cli.build_parser().parse_args(['match', '--guild', '1'])"
    )
    assert loaded == set()


def test_match_on_a_database_at_head_never_loads_alembic(capsys, tmp_path, db_url):
    assert run(capsys, "import-members", str(SAMPLE_MEMBERS), "--guild", str(GUILD))[0] == 0
    code = f"from bot.cli import main\nassert main(['match', '--guild', '{GUILD}', '--json']) == 0"
    out, loaded = imported(tmp_path, db_url, code)
    assert json.loads(out)["pairs"]
    assert "sqlalchemy" in loaded and "alembic" not in loaded


def test_match_upgrades_a_database_that_is_behind(capsys, db_url):
    head = Database.head()
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head).down_revision
    assert isinstance(previous, str)

    async def step_back() -> None:
        db = Database(db_url)
        try:
            await db.upgrade()
            await db.downgrade(previous)
        finally:
            await db.dispose()

    async def revision() -> str | None:
        db = Database(db_url)
        try:
            return await db.revision()
        finally:
            await db.dispose()

    asyncio.run(step_back())
    assert asyncio.run(revision()) == previous
    code, _, err = run(capsys, "match", "--guild", str(GUILD), "--json")
    assert code == 1 and "not in this database" in err  # an empty database, now at head
    assert asyncio.run(revision()) == head
