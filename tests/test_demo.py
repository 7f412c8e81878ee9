"""``verbinder demo``: the real bot in SimCord, narrated; no token, no network, no real database."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from argparse import Namespace
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot import demo
from bot.cli import main
from bot.demo.story import CHAPTERS, LEFT_OUT, chapter_marker
from bot.i18n import t


@dataclass
class Run:
    """One run of the demo as a person starts it, and what the simulated Discord saw."""

    code: int
    transcript: str
    requests: list[Any]
    errors: list[Exception]
    used: dict[str, set[str]]
    commands: set[str]
    connection_threads: set[int]


@pytest.fixture(scope="module")
def run() -> Run:
    """One run through the CLI (sync: the demo owns its loop); the world is read before it closes."""
    seen: dict[str, Any] = {}
    real_run_demo = demo.run_demo

    def inspect(story: demo.Demo) -> None:
        seen["requests"] = list(story.env.http_requests)
        seen["errors"] = list(story.env.errors)
        seen["used"] = {key: set(names) for key, names in story.used.items()}
        seen["commands"] = {c.qualified_name for c in story.bot.tree.walk_commands() if not hasattr(c, "commands")}
        seen["threads"] = {thread.id for thread in story.intro_channel.threads}

    async def run_demo(*args: Any, **kwargs: Any) -> int:
        return await real_run_demo(*args, **kwargs, inspect=inspect)

    out = io.StringIO()
    real = sys.stdout
    sys.stdout = out
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(demo, "run_demo", run_demo)
            code = main(["demo", "--fast"])
    finally:
        sys.stdout = real
    return Run(
        code,
        out.getvalue(),
        seen["requests"],
        seen["errors"],
        seen["used"],
        seen["commands"],
        seen["threads"],
    )


@pytest.fixture(scope="module")
def transcript(run: Run) -> str:
    return run.transcript


def chapter_text(transcript: str, key: str) -> str:
    """The part of the transcript that one chapter printed (its heading up to the next heading)."""
    marker = chapter_marker(key)
    assert marker in transcript, f"chapter {key} is missing"
    return transcript.split(marker, 1)[1].split("\n== ", 1)[0]


def test_demo_prints_the_story_and_exits_zero(run: Run) -> None:
    assert run.code == 0
    assert "Sociaal Midden-Brabant" in run.transcript
    assert "Run it for real: see README (DISCORD_TOKEN, verbinder run)" in run.transcript


def test_chapters_are_told_in_order_each_once(transcript: str) -> None:
    positions = [transcript.find(chapter_marker(c.key)) for c in CHAPTERS]
    assert -1 not in positions and positions == sorted(positions)
    assert all(transcript.count(chapter_marker(c.key)) == 1 for c in CHAPTERS)
    assert f"== {len(CHAPTERS)}/{len(CHAPTERS)} " in transcript


# What each chapter must show: the bot's own replies and posts, as the members see them.
# A new chapter needs an entry here (test_every_chapter_is_checked).
SHOWS: dict[str, list[str]] = {
    "server": ["10 leden / members:", "[en] Priya Raman"],
    "setup": [
        "> /kennismaking instellen kanaal: #kennismaken",
        "Kennismakingen gebruiken #kennismaken. De wekelijkse ronde is elke maandag om 09:00",
        "> /evenement instellen kanaal: #evenementen",
        "Evenementen worden aangekondigd in #evenementen.",
        "> /uitdaging instellen kanaal: #uitdagingen",
        "Uitdagingen worden geplaatst in #uitdagingen, elk als forumpost.",
    ],
    "profiles": ["Je profiel is opgeslagen.", "Your profile is saved."],
    "offers-needs": ["Toegevoegd aan je aanbod: **Fietsen repareren** (1/25).", "Added to your needs:"],
    "autocomplete": ["- Fietsen repareren", "- Ruimte voor een fietsenwerkplaats in de wijk"],
    "mistakes": ["Je biedt **Fietsen repareren** al aan.", "That is too long (127 characters)"],
    "lookups": ["| Je aanbod (2/25)", "> /profiel bekijken lid: @Henk van Gorp", "| Sector: Social enterprise"],
    "synonym": [
        "> /synoniem toevoegen woorden: opknapfiets, tweedehands fiets, second-hand bicycle",
        "Synoniemengroep 1 toegevoegd: opknapfiets, tweedehands fiets, second-hand bicycle.",
    ],
    "match": [
        "Jij zoekt “Advies over subsidies en financiering”: Marco Brouwers biedt",
        "Marco krijgt een DM / Marco gets a DM:",
        "Dank je! Zodra Fatma Yılmaz ook ja zegt",
        "@Fatma Yılmaz en @Marco Brouwers, jullie zeiden allebei ja. Maak kennis!",
    ],
    "decline": [
        "| 1. Tom Bakker:",
        "You need “A second-hand bicycle”: Tom Bakker offers “Opknapfietsen uit de kringloop”.",
        "> [Nee, dank je]",
        "Begrepen, geen kennismaking met Priya Raman. Die krijgt dat niet te horen.",
        "Thank you! As soon as Tom Bakker also says yes",
    ],
    "intro-controls": [
        "You receive introductions.",
        "Kennismakingen staan op pauze tot",
        "Je doet niet meer mee met kennismakingen.",
        "Je kennismakingen staan op pauze tot",
    ],
    "weekly-round": [
        "⏩ Monday 30-11-2026 09:00 (Tilburg)",
        "De kennismakingen van deze week zijn verstuurd:",
        "Jij zoekt “Praktijkvragen voor studentenprojecten”: Sanne de Vries biedt",
        "Why: A chance meeting",
        "@Sanne de Vries en @Yasmina El Amrani, jullie zeiden allebei ja.",
    ],
    "follow-up": [
        "⏩ Friday 04-12-2026 12:00 (Tilburg)",
        "Een week geleden maakte je kennis met Marco Brouwers. Hebben jullie elkaar gesproken?",
        "Verbinder (formulier / form):",
        "> We schrijven samen een subsidieaanvraag voor de koffiebar   (vult in en verstuurt / fills in and submits)",
        "Dank je voor het delen!",
        "Dank je! Er is nog tijd: jullie thread blijft open.",
    ],
    "hackathon": [
        "> /evenement aanmaken soort: Hackathon titel: Hack de Wijk",
        "| Gaan: 0 van 3",
        "You're going to **Hack de Wijk**. See you there!",
        "**Hack de Wijk** is full, so you are on the waitlist (number 1).",
        "Good news: a place freed up for **Hack de Wijk**",
        "| Gaan: 3 van 3",
        "Going: 3 of 3",
        "⏰ **Hack de Wijk** begint over 1 dag",
        "⏰ Herinnering: **Hack de Wijk** begint over 1 dag",
    ],
    "ask-the-expert": [
        "Je bent aangemeld als expert voor: subsidies, jaarrekening, fondsenwerving.",
        "• **Marco Brouwers**: subsidies, jaarrekening, fondsenwerving",
        "Marco Brouwers is nu expert van **Vraag het de expert: geld voor je buurtidee**",
        "Je bent uitgenodigd als expert voor **Vraag het de expert: geld voor je buurtidee**",
        "- Vraag het de expert: geld voor je buurtidee · 15-12-2026 19:30",
        "Je vraag aan de experts van **Vraag het de expert: geld voor je buurtidee** is opgeslagen (vraag 1 van 3).",
        "> 15-12-2026 19:30–20:00 (Europe/Amsterdam)   (kiest / chooses)",
        "Geboekt: 15-12-2026 19:30, voor **Vraag het de expert: geld voor je buurtidee**.",
    ],
    "challenge": [
        "- Hack de Wijk · 2026-12-12",
        "evenement: Hack de Wijk · 2026-12-12",
        "Uitdaging #1 “Samen tegen eenzaamheid” is geplaatst",
        "| Hackathon: Hack de Wijk, 12-12-2026 10:00",
        "> /uitdaging voorstellen nummer: 1",
        "• Biedt “Data analysis with Python” aan voor de vaardigheid “data-analyse”.",
        "Ik heb Priya Raman via een DM uitgenodigd.",
        "| An invitation: Samen tegen eenzaamheid",
        "You joined the team of “Samen tegen eenzaamheid”.",
        "Je doet mee in het team van “Samen tegen eenzaamheid”.",
        "“Samen tegen eenzaamheid” is nu **Team gevormd**.",
        "Status: **Team gevormd** → **Bezig** (door @Sanne de Vries).",
        "|   • #1 Samen tegen eenzaamheid",
    ],
    "thanks": [
        "> /bedankt lid: @Marco Brouwers wat: Hielp ons de subsidieaanvraag voor de buurtkeuken te schrijven",
        "Je bedankje aan **Marco Brouwers** is vastgelegd (Kennis of advies · 3 uur).",
        "Gekoppeld aan de introductie tussen jullie.",
        "🙏 @Fatma Yılmaz bedankt @Marco Brouwers voor Kennis of advies · 3 uur:",
        "🙏 **Fatma Yılmaz** bedankte je in **Sociaal Midden-Brabant** voor Kennis of advies · 3 uur:",
        "| Tijdkrediet: Uren gegeven: 3 · Uren ontvangen: 0 · Saldo: 3",
    ],
    "impact": [
        "| Impact van de afgelopen 90 dagen",
        "| Introducties: Voorgesteld: 4 · Aangenomen: 2 · Ontmoet: 1 · Uitkomsten verteld: 1",
        "[bijlage / attachment: sectors.png]",
        "[bijlage / attachment: impact.csv]",
        "sectors.png -> ",
        "(bestaat / exists: ja / yes)",
    ],
    "find": [
        "> /zoek tekst: vergaderruimte",
        "Jij zoekt “vergaderruimte”: Lotte Verhoeven biedt “Gratis vergaderruimte in de LocHal”.",
        "[Stel ons voor (1)]",
    ],
    "privacy-export": [
        "> /privacy export",
        "Here is everything this server's Verbinder stores that names you (JSON).",
        "[bijlage / attachment: verbinder-export-",
    ],
    "help": [
        "| What you can do with Verbinder",
        "| /match — ",
        "| Wat je met Verbinder kunt doen",
        "/uitdaging plaatsen",
    ],
    "operator": ["$ verbinder match --guild "],
}


def test_every_chapter_is_checked() -> None:
    assert set(SHOWS) == {c.key for c in CHAPTERS}


@pytest.mark.parametrize("key", [c.key for c in CHAPTERS])
def test_each_chapter_shows_its_feature(transcript: str, key: str) -> None:
    shown = chapter_text(transcript, key)
    missing = [text for text in SHOWS[key] if text not in shown]
    assert not missing, f"chapter {key} does not show {missing}"


def test_the_other_never_hears_a_no(transcript: str) -> None:
    declined = chapter_text(transcript, "decline")
    priya = declined.split("> [Accept]", 1)[1]
    assert "declin" not in priya.lower() and "no thanks" not in priya.lower()
    assert "Tom Bakker × Priya Raman" not in transcript and "Priya Raman × Tom Bakker" not in transcript


def test_help_shows_moderators_what_they_can_set_up_and_members_not(transcript: str) -> None:
    shown = chapter_text(transcript, "help")
    member, moderator = shown.split("| Wat je met Verbinder kunt doen", 1)
    assert "/challenge post" not in member and "Voor moderatoren" in moderator


def test_the_operator_sees_the_cli_output_on_the_demo_database(transcript: str) -> None:
    shown = chapter_text(transcript, "operator")
    printed = shown.split("$ verbinder match --guild ", 1)[1].splitlines()[1:]
    assert printed and printed[0].startswith("    ") and printed[0].strip()
    assert "verbinder: " not in shown  # no CLI error


def test_every_command_of_the_bot_is_in_a_chapter_or_left_out_for_a_reason(run: Run) -> None:
    shown = set().union(*run.used.values())
    assert not shown & set(LEFT_OUT), "a command in a chapter is also listed as left out"
    assert run.commands - shown - set(LEFT_OUT) == set(), "add a chapter for these commands"
    assert set(LEFT_OUT) <= run.commands, "LEFT_OUT names a command the bot does not have"


def test_each_chapter_runs_the_commands_it_names(run: Run) -> None:
    for chapter in CHAPTERS:
        assert run.used.get(chapter.key, set()) == set(chapter.commands), chapter.key


def test_the_demo_pings_nobody(run: Run) -> None:
    """Nothing allows @everyone, roles or stray user pings; only connection threads name their two members."""
    sent = 0
    for request in run.requests:
        body = request.json if isinstance(request.json, dict) else None
        if not body or request.method not in ("POST", "PATCH"):
            continue
        data = body["data"] if isinstance(body.get("data"), dict) else body
        if "content" not in data and "embeds" not in data:
            continue
        sent += 1
        mentions = data.get("allowed_mentions")
        assert mentions is not None and mentions.get("parse") == [] and not mentions.get("roles"), request.path
        if mentions.get("users"):
            thread = int(request.path.split("/")[2])
            assert thread in run.connection_threads and len(mentions["users"]) == 2, request.path
    assert sent > 100


def test_the_bot_reported_no_errors_but_the_two_input_mistakes(run: Run, transcript: str) -> None:
    from bot.errors import UserError

    assert len(run.errors) == 2
    assert all(isinstance(getattr(e, "original", e), UserError) for e in run.errors)
    assert "Traceback" not in transcript
    for locale in ("nl", "en"):
        assert t(locale, "errors.unexpected", ref="").split("`")[0] not in transcript
        assert t(locale, "errors.not_allowed") not in transcript


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


def test_shown_as_a_discord_client_shows_it(transcript: str) -> None:
    assert "<@" not in transcript and "<t:" not in transcript and "</" not in transcript
    assert "<#" not in transcript and "discord.com/channels" not in transcript


def test_the_printer_shows_mentions_commands_links_and_times_as_the_reader_sees_them() -> None:
    from datetime import UTC, datetime

    printer = demo.Printer(io.StringIO(), color=False)
    printer.names.update({1: "Fatma", 2: "evenementen"})
    printer.now = lambda: datetime(2026, 12, 11, 9, 0, tzinfo=UTC)
    text = "<@1>, zie </intro join:99> en https://discord.com/channels/5/2/7 — [post](https://x.nl/a) <t:1797066000:R>"
    printer.locale = "nl"
    assert printer.discord_markup(text) == "@Fatma, zie /kennismaking meedoen en #evenementen › 💬 — post over 1 dag"
    printer.locale = "en"
    assert printer.discord_markup("</intro join:99> <t:1797066000:t> <t:1797066000:R>") == "/intro join 10:00 in 1 day"


def test_replies_are_marked_private_and_embeds_are_readable(transcript: str) -> None:
    assert "Verbinder (alleen zichtbaar voor jou / only visible to you):" in transcript
    assert "| Je aanbod (2/25)" in transcript
    assert "|   • Fietsen repareren" in transcript
    assert "| Organisatie: Repair Café Reeshof" in transcript
    assert "[Ik ga] [Misschien] [Kan niet]" in transcript  # buttons as the member sees them


def test_everyone_in_an_offer_is_made_inert(transcript: str) -> None:
    assert "Free pallets for @\u200beveryone who builds furniture" in transcript
    assert "(allowed_mentions: none)" in transcript


def test_summary_is_read_from_the_database(transcript: str) -> None:
    assert re.search(r"/ members with a profile: +10\n", transcript)
    offers = int(transcript.split("Aanbod / offers:", 1)[1].split()[0])
    needs = int(transcript.split("Vraag / needs:", 1)[1].split()[0])
    assert (offers, needs) == (12, 4)
    summary = transcript.split("== Samenvatting ==", 1)[1]
    # Fatma and Marco, Sanne and Yasmina; Fatma's outcome; three going; Priya and Fatma on the team.
    for label, value in (
        ("connections made", 2),
        ("outcomes shared", 1),
        ("going to events", 3),
        ("on a challenge team", 2),
    ):
        assert re.search(rf"/ {label}: +{value}\n", summary), label


def test_every_step_is_numbered_once_and_plain_text_off_a_terminal(transcript: str) -> None:
    steps = [int(n) for n in re.findall(r"^\[(\d+)\] ", transcript, flags=re.MULTILINE)]
    assert steps == list(range(1, len(steps) + 1)) and len(steps) > 60
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


def test_a_chapter_whose_command_is_missing_stops_the_demo_instead_of_being_skipped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.demo import story

    async def garden(_: demo.Demo) -> None:
        raise AssertionError("a chapter without its command must not be played")

    # A command no feature has (yet).
    later = story.Chapter("garden", "De moestuin", "The garden", ("garden plant",), garden)
    monkeypatch.setattr(story, "CHAPTERS", (*story.CHAPTERS, later))
    assert main(["demo", "--fast"]) == 1
    captured = capsys.readouterr()
    assert "the story needs commands this bot does not have: /garden plant (chapter garden)" in captured.err
    assert chapter_marker("server") not in captured.out  # nothing was told


def test_the_operator_cli_reads_only_the_demo_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's .env and environment never reach the CLI the demo runs, and are left as they were."""
    import asyncio

    from bot.demo.operator import verbinder_cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite+aiosqlite:///real.db\nTIMEZONE=Not/AZone\n", encoding="utf-8")
    monkeypatch.setenv("LOG_LEVEL", "warning")
    code, printed = asyncio.run(verbinder_cli(demo.demo_settings(tmp_path), "match", "--guild", "1"))
    # The demo's empty database, not real.db: the server is unknown there.
    assert code == 1 and "server 1 is not in this database" in printed, printed
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env", "verbinder-demo.db"]
    assert os.environ["LOG_LEVEL"] == "warning" and "TIMEZONE" not in os.environ
