"""``verbinder demo``: the real bot in SimCord, narrated; no token, no network, no real database."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from bot import demo
from bot.cli import main


@pytest.fixture(scope="module")
def transcript() -> str:
    """One run of the demo through the CLI, as a person would start it (sync: the demo owns its loop)."""
    out = io.StringIO()
    real = sys.stdout
    sys.stdout = out
    try:
        code = main(["demo", "--fast"])
    finally:
        sys.stdout = real
    assert code == 0
    return out.getvalue()


def test_demo_prints_the_story_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--fast"]) == 0
    out = capsys.readouterr().out
    assert "Sociaal Midden-Brabant" in out
    assert "Run it for real: see README (DISCORD_TOKEN, verbinder run)" in out


def test_dutch_members_get_dutch_commands_and_replies(transcript: str) -> None:
    assert "> /profiel instellen sector: Overheid organisatie: Gemeente Tilburg" in transcript
    assert "> /aanbod toevoegen tekst: Fietsen repareren" in transcript
    assert "Je profiel is opgeslagen." in transcript
    assert "Toegevoegd aan je aanbod: **Fietsen repareren** (1/25)." in transcript
    assert "Toegevoegd aan je vraag:" in transcript
    assert "> /profiel bekijken lid: @Henk van Gorp" in transcript


def test_english_members_get_english_commands_and_replies(transcript: str) -> None:
    assert "> /profile set sector: Citizen organisation: Tilburg University" in transcript
    assert "Your profile is saved." in transcript
    assert "Added to your offers: **Data analysis with Python** (1/25)." in transcript
    assert "Added to your needs: **A second-hand bicycle** (1/25)." in transcript
    # A Dutch member's profile, seen by an English member: English labels.
    assert "| Sector: Social enterprise" in transcript


def test_an_introduction_goes_from_match_to_a_private_thread(transcript: str) -> None:
    match = transcript.split("> /match", 1)[1]
    assert "Jij zoekt “Advies over subsidies en financiering”: Marco Brouwers biedt" in match
    assert "Marco krijgt een DM / Marco gets a DM:" in match
    assert "Dank je! Zodra Fatma Yılmaz ook ja zegt" in match
    assert "@Fatma Yılmaz en @Marco Brouwers, jullie zeiden allebei ja. Maak kennis!" in match
    assert "<@" not in transcript and "<t:" not in transcript  # shown as a Discord client shows them


def test_replies_are_marked_private_and_embeds_are_readable(transcript: str) -> None:
    assert "Verbinder (alleen zichtbaar voor jou / only visible to you):" in transcript
    assert "| Je aanbod (2/25)" in transcript
    assert "|   • Fietsen repareren" in transcript
    assert "| Organisatie: Repair Café Reeshof" in transcript


def test_bad_input_gets_a_friendly_answer(transcript: str) -> None:
    assert "Je biedt **Fietsen repareren** al aan." in transcript
    assert "That is too long (127 characters): keep it to 100 characters." in transcript
    assert "Traceback" not in transcript


def test_autocomplete_shows_community_suggestions(transcript: str) -> None:
    suggestions = transcript.split("community suggestions:", 1)[1].split("\n\n", 1)[0]
    assert "- Fietsen repareren" in suggestions
    assert "- Ruimte voor een fietsenwerkplaats in de wijk" in suggestions


def test_everyone_in_an_offer_is_made_inert(transcript: str) -> None:
    assert "Free pallets for @\u200beveryone who builds furniture" in transcript
    assert "(allowed_mentions: none)" in transcript


def test_summary_is_read_from_the_database(transcript: str) -> None:
    assert "members with a profile: 10" in transcript
    assert "Aanbod / offers:" in transcript and "Vraag / needs:" in transcript
    offers = int(transcript.split("Aanbod / offers:", 1)[1].split()[0])
    needs = int(transcript.split("Vraag / needs:", 1)[1].split()[0])
    assert (offers, needs) == (10, 4)


def test_every_step_is_numbered_and_plain_text_off_a_terminal(transcript: str) -> None:
    assert "[1/27]" in transcript and "[27/27]" in transcript and "[28/" not in transcript
    assert "\033[" not in transcript


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_pauses_only_on_a_terminal_and_not_when_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(demo.FAST_ENV, raising=False)
    assert demo._wants_pause(Namespace(fast=False), _Terminal())
    assert not demo._wants_pause(Namespace(fast=False), io.StringIO())
    assert not demo._wants_pause(Namespace(fast=True), _Terminal())
    monkeypatch.setenv(demo.FAST_ENV, "1")
    assert not demo._wants_pause(Namespace(fast=False), _Terminal())


def test_colours_only_on_a_terminal() -> None:
    assert demo.Printer(io.StringIO(), color=True).style("x", "head") != "x"
    assert demo.Printer(io.StringIO(), color=False).style("x", "head") == "x"


def test_output_survives_a_narrow_encoding() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    demo.Printer(out, color=False).line("• Café “quoted”")
    assert raw.getvalue() == b"? Caf? ?quoted?\n"


def test_the_community_is_a_mix_of_sectors_and_languages() -> None:
    people = demo.load_community()
    assert 8 <= len(people) <= 10
    assert {p.locale for p in people} == {"nl", "en"}
    assert len({p.sector for p in people}) == 6


def test_cli_does_not_import_simcord_until_the_demo_runs() -> None:
    code = "import sys, bot.cli; bot.cli.build_parser(); print('simcord' in sys.modules, 'bot.demo' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["False", "False"]


def _console_script() -> list[str]:
    scripts = Path(sys.executable).parent
    for name in ("verbinder", "verbinder.exe"):
        if (scripts / name).exists():
            return [str(scripts / name)]
    pytest.skip("the verbinder console script is not installed next to this Python")


def test_console_script_runs_the_demo_without_touching_the_working_directory(tmp_path: Path) -> None:
    # A real setup in the working directory: the demo must ignore its .env, token and database.
    (tmp_path / ".env").write_text(
        "DISCORD_TOKEN=not-a-real-token\nDATABASE_URL=sqlite+aiosqlite:///real.db\nDEV_GUILD_ID=123\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "DATABASE_URL", "DEV_GUILD_ID")}
    env.pop(demo.FAST_ENV, None)
    done = subprocess.run(
        [*_console_script(), "demo", "--fast"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Toegevoegd aan je aanbod" in done.stdout
    assert "Added to your offers" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]
