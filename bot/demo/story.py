"""The demo's story: a sample community from Midden-Brabant runs the real commands.

The story is a list of named chapters (:data:`CHAPTERS`), told in order. Each chapter names the
bot commands it needs; the demo refuses to start when one is missing instead of leaving the
chapter out, and checks afterwards that each chapter used exactly the commands it names. A new
feature gets its own chapter: one :class:`Chapter` entry and one ``Demo`` method.

Time is the bot's own injectable clock (:class:`DemoClock`): the story moves it to the weekly
round, the follow-up a week later and the day before the hackathon, and then runs the scheduled
job itself (the scheduler's timer is paused, so nothing runs behind the story's back).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from bot.demo.printer import Printer, button_labels, render_message

GUILD_NAME = "Sociaal Midden-Brabant"
REAL_RUN_HINT = "Run it for real: see README (DISCORD_TOKEN, verbinder run)"
# The server's language (its preferred locale): public posts are read in it.
SERVER_LOCALE = "nl"

# The story's first moment: Friday 27 November 2026, 12:00 in Tilburg (CET). The bot's clock is
# moved forward for the weekly round, the follow-up a week later and the event reminders.
STORY_START = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
# Monday 30 November, 09:00 in Tilburg: the weekly round (the default day and time of /intro setup).
ROUND_TIME = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
# Friday 4 December, 12:00: a week after Fatma and Marco were connected.
FOLLOW_UP_TIME = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)
# The hackathon (Saturday 12 December, 10:00) and the day before it, when its reminder goes out.
HACKATHON_START = "2026-12-12 10:00"
REMINDER_TIME = datetime(2026, 12, 11, 9, 0, tzinfo=UTC)
# The ask-the-expert session, the week after.
SESSION_START = "2026-12-15 19:30"


class DemoError(RuntimeError):
    """The story cannot be told as written: a command is missing or the bot reported a real error."""


class DemoClock:
    """The bot's injectable clock: the story moves it, the bot reads it wherever it needs "now"."""

    def __init__(self, now: datetime = STORY_START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Person:
    """One member of the sample community (the data; the actor is created in the simulation)."""

    key: str
    username: str
    display_name: str
    locale: str
    sector: str
    organisation: str
    region: str
    bio: str


def load_community() -> list[Person]:
    text = resources.files("bot").joinpath("data", "demo_community.csv").read_text(encoding="utf-8")
    return [Person(**row) for row in csv.DictReader(io.StringIO(text))]


class Demo:
    """Drives the story: one method call per thing a member does, narrated as it happens."""

    def __init__(self, env: Any, bot: Any, printer: Printer, *, pause: float, clock: DemoClock | None = None) -> None:
        self.env = env
        self.bot = bot
        self.p = printer
        self.pause = pause
        self.clock = clock
        if clock is not None:
            printer.now = clock
        self.step = 0
        self.people: dict[str, Person] = {}
        self.actors: dict[str, Any] = {}
        # Shared with the printer: mentions of these ids are shown by name.
        self.names: dict[int, str] = printer.names
        self.guild: Any = None
        self.channel: Any = None
        self.intro_channel: Any = None
        self.events_channel: Any = None
        self.challenge_forum: Any = None
        # The commands (English names) run so far, per chapter; checked against Chapter.commands.
        self.used: dict[str, set[str]] = {}
        self.chapter: str = ""
        # What the story created, for later chapters.
        self.hackathon_id = 0
        self.session_id = 0
        self.challenge_id = 0
        self.user_errors = 0

    # -- narration helpers

    def heading(self, dutch: str, english: str) -> None:
        self.p.line()
        self.p.line(self.p.style(f"== {dutch} ==", "head"))
        self.p.line(self.p.style(f"   {english}", "note"))
        self.p.line()

    def note(self, dutch: str, english: str) -> None:
        self.p.line(self.p.style(f"  * {dutch}", "note"))
        self.p.line(self.p.style(f"    {english}", "note"))

    def wait(self) -> None:
        if self.pause > 0:
            time.sleep(self.pause)

    def who(self, key: str) -> str:
        person = self.people[key]
        org = f" ({person.organisation})" if person.organisation else ""
        return f"{self.p.style(person.display_name, 'who')}{org} [{person.locale}]"

    def tr(self, key: str, source: str) -> str:
        """A command name, option or choice as this member's Discord shows it."""
        from bot.i18n import command_text

        locale = self.people[key].locale
        return (command_text(locale, source) if locale != "en" else None) or source

    def text(self, key: str, message_key: str, **params: Any) -> str:
        """A text of the bot in this member's language (to find the button they see)."""
        from bot.i18n import t

        return t(self.people[key].locale, message_key, **params)

    def shown_command(
        self, key: str, name: str, options: dict[str, Any], *, shorten: int = 0, shown: dict[str, str] | None = None
    ) -> str:
        """The command as this member sees it in their own Discord client (long values cut if ``shorten``)."""
        from simcord import ChannelHandle, MemberActor

        from cogs.profile.commands import SECTOR_LABELS
        from models import Sector

        parts = ["/" + " ".join(self.tr(key, word) for word in name.split())]
        for option, value in options.items():
            if shown and option in shown:  # a choice picked from a list: its label, not its value
                text = shown[option]
            elif isinstance(value, MemberActor):  # a member picked from the list
                text = "@" + self.names[value.id]
            elif isinstance(value, ChannelHandle):
                text = f"#{value.name}"
            elif option == "sector":
                text = self.tr(key, SECTOR_LABELS[Sector(value)])
            else:
                text = str(value)
                if shorten and len(text) > shorten:
                    text = text[: shorten - 1].rstrip() + "…"
            parts.append(f"{self.tr(key, option)}: {text}")
        return " ".join(parts)

    def begin_step(self) -> str:
        self.step += 1
        return self.p.style(f"[{self.step}]", "note")

    def uses(self, name: str) -> None:
        self.used.setdefault(self.chapter, set()).add(name)

    # -- what members do

    async def slash(
        self, key: str, name: str, /, *, quiet: bool = False, shown: dict[str, str] | None = None, **options: Any
    ) -> Any:
        self.uses(name)
        if quiet:
            command = self.p.style(self.shown_command(key, name, options, shorten=32, shown=shown), "cmd")
            result = await self.actors[key].slash(self.channel, name, **options)
            first = result.response.content if result.response else ""
            self.p.line(f"  {self.who(key)}")
            self.p.line(f"    > {command}")
            self.p.line(f"      -> {self.p.markdown(first)}")
            if self.pause > 0:
                time.sleep(self.pause / 4)
            return result
        command = self.p.style(self.shown_command(key, name, options, shown=shown), "cmd")
        self.p.line(f"{self.begin_step()} {self.who(key)}")
        self.p.line(f"  > {command}")
        result = await self.actors[key].slash(self.channel, name, **options)
        self.replies(result, key)
        return result

    def replies(self, result: Any, key: str) -> None:
        """What the bot answered to one interaction: messages, or the form it opened."""
        self.p.locale = self.people[key].locale
        self.learn_thread_names()
        messages = [m for m in [result.response, *result.followups] if m is not None]
        if result.modal is not None:
            self.show_modal(result.modal)
        elif not messages:
            self.p.line("    (geen antwoord / no reply)")
        for message in messages:
            render_message(message, self.p)
        self.p.line()
        self.wait()

    def show_modal(self, modal: dict[str, Any]) -> None:
        labels: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") == 4 and node.get("label"):
                    labels.append(node["label"])
                elif node.get("type") == 18 and node.get("label"):  # a label wrapping its input
                    labels.append(node["label"])
                    return
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(modal.get("components", []))
        self.p.line(f"    {self.p.style('Verbinder', 'bot')} {self.p.style('(formulier / form)', 'note')}:")
        self.p.line(f"    | {self.p.style(modal.get('title') or '', 'bold')}")
        for label in labels:
            self.p.line(f"    | {label}: ____")

    async def submit(self, key: str, shown: Any, values: dict[str, str], *, in_dm: bool = False) -> Any:
        """A member fills in the form the bot opened and sends it."""
        self.p.line(f"{self.begin_step()} {self.who(key)}")
        for value in values.values():
            self.p.line(f"  > {self.p.style(value, 'cmd')}   (vult in en verstuurt / fills in and submits)")
        actor = self.actors[key]
        result = await (actor.user if in_dm else actor).submit_modal(shown, values)
        self.replies(result, key)
        return result

    async def autocomplete(self, key: str, name: str, option: str, typed: str, **filled: Any) -> list[dict[str, Any]]:
        self.uses(name)
        self.p.line(f"{self.begin_step()} {self.who(key)}")
        shown = self.shown_command(key, name, {**filled, option: typed})
        self.p.line(f"  > {self.p.style(shown, 'cmd')}{self.p.style('▏', 'note')}   (typt nog / still typing)")
        choices = await self.actors[key].autocomplete(self.channel, name, option, typed, **filled)
        self.p.line("    Discord " + self.p.style("suggesties / suggestions", "note") + ":")
        for choice in choices[:10]:
            self.p.line(f"      - {choice['name']}")
        if not choices:
            self.p.line("      (geen / none)")
        self.p.line()
        self.wait()
        return choices

    async def click(self, key: str, message: Any, label: str, *, in_dm: bool = False) -> Any:
        """A member clicks a button: in a channel, or in their DMs with the bot."""
        self.p.line(f"{self.begin_step()} {self.who(key)}")
        self.p.line(f"  > {self.p.style(f'[{label}]', 'cmd')}   (klikt / clicks)")
        actor = self.actors[key]
        result = await (actor.user if in_dm else actor).click(message, label=label)
        self.replies(result, key)
        return result

    async def choose(self, key: str, message: Any, option: dict[str, Any]) -> Any:
        """A member picks one option of a menu the bot showed them."""
        self.p.line(f"{self.begin_step()} {self.who(key)}")
        self.p.line(f"  > {self.p.style(option['label'], 'cmd')}   (kiest / chooses)")
        result = await self.actors[key].select(message, [option["value"]])
        self.replies(result, key)
        return result

    def button(self, message: Any, message_key: str, **params: Any) -> str:
        """The label of the button ``message_key`` on a message, in whichever language it was sent."""
        from bot.i18n import t

        wanted = {t(locale, message_key, **params) for locale in ("nl", "en")}
        for label in button_labels(message):
            if label in wanted:
                return label
        raise DemoError(f"no button {message_key!r} on the message; it has {button_labels(message)}")

    def show(self, title: str, message: Any, reader: str | None = None) -> None:
        """Print a message the bot sent by itself: a DM to ``reader``, or a post anyone may read."""
        self.p.locale = self.people[reader].locale if reader else SERVER_LOCALE
        self.learn_thread_names()
        self.p.line(f"  {self.p.style(title, 'note')}")
        render_message(message, self.p)
        self.p.line()

    def learn_thread_names(self) -> None:
        """Threads the bot opened, so links to them read as Discord shows them."""
        for channel in (self.intro_channel, self.events_channel, self.challenge_forum):
            if channel is not None:
                for thread in channel.threads:
                    self.names.setdefault(thread.id, thread.name)

    def dms(self, key: str) -> list[Any]:
        channel = self.actors[key].user.dm_channel
        return list(channel.history()) if channel is not None else []

    def last_dm(self, key: str) -> Any:
        found = self.dms(key)
        if not found:
            raise DemoError(f"{self.people[key].display_name} got no DM")
        return found[-1]

    async def run_job(self, job_id: str) -> None:
        """The bot's scheduler runs one of its jobs, as it does every minute."""
        from bot.simulation import run_jobs

        self.p.line(self.p.style(f"  (de planner van de bot draait / the bot's scheduler runs: {job_id})", "note"))
        await run_jobs(self.env, job_id)

    def move_clock(self, to: datetime) -> None:
        from zoneinfo import ZoneInfo

        if self.clock is None:
            raise DemoError("the demo needs the bot's clock to move it")
        self.clock.now = to
        local = to.astimezone(ZoneInfo("Europe/Amsterdam"))
        self.p.line(self.p.style(f"  ⏩ {local:%A %d-%m-%Y %H:%M} (Tilburg)", "note"))
        self.p.line()

    def acknowledge_user_errors(self, expected: int) -> None:
        """The bot turned bad input into a friendly reply; SimCord recorded it. Anything else is a bug."""
        from bot.errors import UserError

        errors = self.env.errors
        unexpected = [e for e in errors if not isinstance(getattr(e, "original", e), UserError)]
        self.user_errors = expected
        if unexpected or len(errors) != expected:
            raise DemoError(f"expected {expected} user error(s), the bot reported {errors!r}")

    # -- the script

    async def setup(self) -> None:
        import discord

        from bot.simulation import sync_guild

        # The story runs the scheduled jobs itself, after moving the clock: the timer stays still.
        if self.bot.scheduler is not None:
            self.bot.scheduler.pause()
        self.guild = self.env.create_guild(GUILD_NAME, preferred_locale=SERVER_LOCALE)
        self.guild.create_text_channel("welkom", topic="Welkom! Stel je voor met /profiel instellen.")
        self.channel = self.guild.create_text_channel("algemeen")
        self.intro_channel = self.guild.create_text_channel("kennismaken")
        self.events_channel = self.guild.create_text_channel("evenementen")
        self.challenge_forum = self.guild.create_forum_channel("uitdagingen")
        for channel in (self.channel, self.intro_channel, self.events_channel, self.challenge_forum):
            self.names[channel.id] = channel.name
        await sync_guild(self.env, self.guild.id)
        # Sanne (municipality) is the server's innovation officer: she may set things up.
        officers = self.guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
        for person in load_community():
            user = self.env.create_user(person.username, global_name=person.display_name)
            self.people[person.key] = person
            roles = [officers] if person.key == "sanne" else []
            self.actors[person.key] = self.guild.add_member(user, roles=roles)
            self.names[user.id] = person.display_name

    def check_commands(self) -> None:
        """Every command a chapter needs exists in this bot: a chapter is never left out silently."""
        known = {command.qualified_name for command in self.bot.tree.walk_commands()}
        missing = [(c.key, name) for c in CHAPTERS for name in c.commands if name not in known]
        if missing:
            listed = ", ".join(f"/{name} (chapter {key})" for key, name in missing)
            raise DemoError(f"the story needs commands this bot does not have: {listed}")

    async def story(self) -> None:
        p = self.p
        self.check_commands()
        p.line(p.style("Verbinder demo: de community-verbinder van Midden-Brabant", "head"))
        p.line(p.style("Verbinder demo: the community connector of Midden-Brabant", "note"))
        p.line()
        p.line("Dit is de echte bot, offline, in een gesimuleerde Discord-server. Geen token, geen netwerk.")
        p.line("This is the real bot, offline, in a simulated Discord server. No token, no network.")
        for number, chapter in enumerate(CHAPTERS, start=1):
            self.chapter = chapter.key
            self.heading(
                f"{number}/{len(CHAPTERS)} {chapter.dutch}", f"{chapter_marker(chapter.key)} {chapter.english}"
            )
            await chapter.play(self)
            used = self.used.get(chapter.key, set())
            if used != set(chapter.commands):
                raise DemoError(
                    f"chapter {chapter.key} names {sorted(chapter.commands)} but used {sorted(used)}: "
                    "keep Chapter.commands up to date"
                )
            p.line()
        # Only the input mistakes the story makes on purpose were reported; anything else is a bug.
        self.acknowledge_user_errors(expected=self.user_errors)

    # -- the chapters, in the order of CHAPTERS

    async def server(self) -> None:
        p = self.p
        p.line(f"  {GUILD_NAME}: #welkom, #algemeen, #kennismaken, #evenementen, #uitdagingen (forum)")
        p.line(f"  {len(self.people)} leden / members:")
        for person in self.people.values():
            org = person.organisation or "inwoner / resident"
            p.line(f"    [{person.locale}] {person.display_name:<20} {org}, {person.region}")
        p.line()
        self.note(
            "Leden met Discord in het Nederlands krijgen Nederlandse commando's en antwoorden.",
            "Members whose Discord is in English see English commands and replies.",
        )
        self.note(
            "Sanne de Vries is innovatie-adviseur van de gemeente en moderator van de server.",
            "Sanne de Vries, the municipality's innovation officer, moderates the server.",
        )

    async def setup_server(self) -> None:
        await self.slash("sanne", "intro setup", channel=self.intro_channel)
        await self.slash("sanne", "event setup", channel=self.events_channel)
        await self.slash("sanne", "challenge setup", channel=self.challenge_forum)
        self.note(
            "Drie kanalen, één keer ingesteld. Wekelijkse ronde, herinneringen en agenda lopen vanzelf.",
            "Three channels, set up once. The weekly round, reminders and agenda run by themselves.",
        )

    async def profiles(self) -> None:
        await self.profile("sanne")
        await self.profile("priya")
        self.note("Ook de anderen vullen hun profiel in:", "The others fill in their profiles too:")
        for key in self.people:
            if key not in ("sanne", "priya"):
                await self.profile(key, quiet=True)
        self.wait()

    async def offers_and_needs(self) -> None:
        await self.slash("henk", "offer add", text="Fietsen repareren")
        await self.slash("lotte", "offer add", text="Gratis vergaderruimte in de LocHal")
        await self.slash("lotte", "offer add", text="Hulp bij DigiD en online formulieren")
        await self.slash("marco", "offer add", text="Hulp bij de jaarrekening van een stichting")
        await self.slash("fatma", "need add", text="Advies over subsidies en financiering")
        await self.slash("fatma", "offer add", text="Werkervaringsplekken in de horeca")
        await self.slash("yasmina", "need add", text="Praktijkvragen voor studentenprojecten")
        await self.slash("tom", "offer add", text="Ruimte voor een fietsenwerkplaats in de wijk")
        await self.slash("sanne", "need add", text="Bewoners die meedenken over de wijkagenda")
        await self.slash("sanne", "offer add", text="Praktijkvragen voor studenten uit het sociaal domein")
        await self.slash("priya", "need add", text="A second-hand bicycle")
        await self.slash("priya", "offer add", text="Data analysis with Python")
        await self.slash("daniel", "offer add", text="Free pallets for @everyone who builds furniture")
        self.note(
            "@everyone blijft gewone tekst: de bot stuurt nooit meldingen naar de hele server.",
            "@everyone stays plain text: the bot never pings the whole server"
            + (" (allowed_mentions: none)." if self.last_reply_pings_nobody() else "."),
        )

    async def same_words(self) -> None:
        await self.autocomplete("ria", "offer add", "text", "fiets")
        await self.slash("ria", "offer add", text="Fietsen repareren")
        self.note(
            "Ria kiest een bestaande term, zodat aanbod en vraag op elkaar aansluiten.",
            "Ria picks an existing term, so offers and needs line up.",
        )

    async def mistakes(self) -> None:
        await self.slash("henk", "offer add", text="fietsen  repareren")
        await self.slash(
            "daniel",
            "offer add",
            text="Consultancy on circular logistics, reusable packaging, return flows "
            "and pallet pooling for social enterprises in Midden-Brabant",
        )
        self.acknowledge_user_errors(expected=2)
        self.note(
            "Er is niets opgeslagen; alleen het lid zelf ziet de uitleg.",
            "Nothing was stored; only the member sees the explanation.",
        )

    async def looking_up(self) -> None:
        await self.slash("lotte", "offer list")
        await self.slash("priya", "need list")
        await self.slash("sanne", "profile show", member=self.actors["henk"])
        await self.slash("priya", "profile show", member=self.actors["fatma"])
        self.note(
            "Priya leest Fatma's Nederlandse profiel met Engelse kopjes. Profielen van anderen zijn te zien "
            "zodra zij meedoen met kennismakingen (en hun profiel niet privé is).",
            "Priya reads Fatma's Dutch profile with English labels. Others' profiles show once they joined "
            "introductions (and did not make their profile private).",
        )

    async def synonym(self) -> None:
        self.note(
            "In deze regio heet een fiets uit de kringloop ook wel een 'opknapfiets'.",
            "Around here a bicycle from the thrift shop is also called an 'opknapfiets'.",
        )
        await self.slash("tom", "offer add", text="Opknapfietsen uit de kringloop")
        await self.slash("sanne", "synonym add", terms="opknapfiets, tweedehands fiets, second-hand bicycle")
        self.note(
            "Vanaf nu telt een 'opknapfiets' voor de matching als precies een 'second-hand bicycle'.",
            "From now on matching counts an 'opknapfiets' as exactly a 'second-hand bicycle'.",
        )

    async def match(self) -> None:
        self.note("Wie mee wil doen, zegt dat zelf:", "Members opt in themselves:")
        await self.slash("marco", "offer add", quiet=True, text="Subsidieaanvragen schrijven voor stichtingen")
        for key in ("fatma", "marco", "henk", "priya", "tom", "ria", "yasmina", "sanne"):
            await self.slash(key, "intro join", quiet=True)
        for key in ("lotte", "daniel"):
            await self.slash(key, "intro join", quiet=True, chance_meetings=True)
        self.p.line()
        shown = await self.slash("fatma", "match")
        await self.click("fatma", shown.response, self.pick(shown.response, "Marco", "match.button"))
        self.show("Marco krijgt een DM / Marco gets a DM:", self.last_dm("marco"), "marco")
        await self.answer("marco", "intro.button.accept")
        await self.answer("fatma", "intro.button.accept")
        thread = self.intro_channel.threads[-1]
        self.show(f"Privé-thread #{thread.name} / private thread:", thread.last_message)
        self.note(
            "Pas als allebei ja zeggen, opent de bot een thread, met alleen hen twee erin.",
            "Only when both say yes does the bot open a thread, with only the two of them in it.",
        )

    async def decline(self) -> None:
        shown = await self.slash("priya", "match")
        self.note(
            "Door Sannes synoniem staat Tom bovenaan: zijn opknapfietsen zijn precies wat Priya zoekt.",
            "Thanks to Sanne's synonym Tom comes first: his opknapfietsen are exactly what Priya asks for.",
        )
        name = self.people["tom"].display_name
        await self.click("priya", shown.response, self.pick(shown.response, name, "match.button"))
        await self.answer("tom", "intro.button.decline")
        await self.answer("priya", "intro.button.accept")
        threads = len(self.intro_channel.threads)
        self.note(
            f"Tom zei nee. Priya hoort niets waaruit ze zijn nee kan afleiden (threads: nog steeds {threads}).",
            f"Tom said no. Priya gets no message that lets her infer his no (threads: still {threads}).",
        )

    async def intro_controls(self) -> None:
        await self.slash("priya", "intro status")
        await self.slash("henk", "intro pause", weeks=2)
        await self.slash("ria", "intro leave")
        await self.slash("henk", "intro status")
        self.note(
            "Henk slaat twee weken over; Ria doet niet meer mee. Geen van beiden krijgt nog voorstellen.",
            "Henk skips two weeks; Ria is out. Neither gets proposals any more.",
        )

    async def weekly_round(self) -> None:
        self.note(
            "Het weekend gaat voorbij. Maandagochtend 09:00 is de wekelijkse ronde.",
            "The weekend passes. Monday 09:00 is the weekly round.",
        )
        self.move_clock(ROUND_TIME)
        before = {key: len(self.dms(key)) for key in self.people}
        posted = len(self.intro_channel.history())
        await self.run_job("introductions")
        for message in self.intro_channel.history()[posted:]:
            self.show("In #kennismaken / in #kennismaken:", message)
        proposed = [key for key in self.people if len(self.dms(key)) > before[key]]
        self.note(
            "Per DM een voorstel, met de reden erbij, aan: " + ", ".join(self.first_names(proposed)) + ".",
            "A proposal by DM, with its reason, to: " + ", ".join(self.first_names(proposed)) + ".",
        )
        for key in ("yasmina", "daniel"):
            if key not in proposed:
                raise DemoError(f"the weekly round proposed nobody to {self.people[key].display_name}")
            self.show(f"{self.people[key].display_name} krijgt een DM / gets a DM:", self.last_dm(key), key)
        await self.answer("yasmina", "intro.button.accept")
        await self.answer("sanne", "intro.button.accept")
        thread = self.intro_channel.threads[-1]
        self.show(f"Privé-thread #{thread.name} / private thread:", thread.last_message)

    async def follow_up(self) -> None:
        self.note(
            "Een week nadat Fatma en Marco elkaar leerden kennen, vraagt de bot hoe het ging.",
            "A week after Fatma and Marco were introduced, the bot asks how it went.",
        )
        self.move_clock(FOLLOW_UP_TIME)
        await self.run_job("introductions")
        question = self.last_dm("fatma")
        self.show("Fatma krijgt een DM / Fatma gets a DM:", question, "fatma")
        form = await self.click("fatma", question, self.button(question, "intro.met.yes"), in_dm=True)
        if form.modal is None:
            raise DemoError("the follow-up did not ask for the outcome")
        await self.submit(
            "fatma", form, {"outcome": "We schrijven samen een subsidieaanvraag voor de koffiebar"}, in_dm=True
        )
        question = self.last_dm("marco")
        await self.click("marco", question, self.button(question, "intro.met.not_yet"), in_dm=True)
        self.note(
            "De uitkomst staat in de database: zo ziet de community wat kennismaken oplevert.",
            "The outcome is stored: the community can see what introductions bring.",
        )

    async def hackathon(self) -> None:
        shown = await self.slash(
            "sanne",
            "event create",
            shown={"kind": self.tr("sanne", "Hackathon")},
            kind="hackathon",
            title="Hack de Wijk",
            start=HACKATHON_START,
            duration="8h",
            location="LocHal, Burgemeester Brokxlaan 1000, Tilburg",
            capacity=3,
        )
        await self.submit(
            "sanne",
            shown,
            {"text": "Een dag bouwen aan oplossingen tegen eenzaamheid in de wijk. Lunch is geregeld."},
        )
        self.hackathon_id = await self.event_id("Hack de Wijk")
        self.show("In #evenementen / in #evenementen:", await self.announcement(self.hackathon_id))
        for key in ("priya", "henk", "lotte", "daniel"):
            posted = await self.announcement(self.hackathon_id)
            await self.click(key, posted, self.button(posted, "event.button.going"))
        posted = await self.announcement(self.hackathon_id)
        await self.click("ria", posted, self.button(posted, "event.button.maybe"))
        posted = await self.announcement(self.hackathon_id)
        await self.click("henk", posted, self.button(posted, "event.button.not_going"))
        self.show("Daniel krijgt een DM / Daniel gets a DM:", self.last_dm("daniel"), "daniel")
        self.show(
            "De aankondiging, bijgewerkt / the announcement, updated:", await self.announcement(self.hackathon_id)
        )
        await self.slash("priya", "event list")
        self.note("De dag voor de hackathon: de herinnering.", "The day before the hackathon: the reminder.")
        self.move_clock(REMINDER_TIME)
        before = {key: len(self.dms(key)) for key in self.people}
        posted_count = len(self.events_channel.history())
        await self.run_job("events")
        for message in self.events_channel.history()[posted_count:]:
            self.show("In #evenementen / in #evenementen:", message)
        reminded = [key for key in self.people if len(self.dms(key)) > before[key]]
        for key in reminded[:1]:
            self.show(f"{self.people[key].display_name} krijgt een DM / gets a DM:", self.last_dm(key), key)

    async def ask_the_expert(self) -> None:
        await self.slash("marco", "expert register", topics="subsidies, jaarrekening, fondsenwerving")
        shown = await self.slash(
            "sanne",
            "event create",
            shown={"kind": self.tr("sanne", "Ask-the-expert session")},
            kind="expert_session",
            title="Vraag het de expert: geld voor je buurtidee",
            start=SESSION_START,
            duration="1h30",
            location="Bibliotheek LocHal",
            topics="subsidies, fondsen",
            slot_minutes=30,
        )
        created = await self.submit(
            "sanne", shown, {"text": "Stel je vragen over subsidies en fondsen, of boek een kwartier met de expert."}
        )
        self.session_id = await self.event_id("Vraag het de expert: geld voor je buurtidee")
        invite = self.button(created.response, "event.invite_button", name=self.people["marco"].display_name)
        await self.click("sanne", created.response, invite)
        self.show("Marco krijgt een DM / Marco gets a DM:", self.last_dm("marco"), "marco")
        await self.slash("fatma", "expert list", topic="subsidies")
        choices = await self.autocomplete("fatma", "ask", "event", "geld")
        question = "Welke fondsen steunen een koffiebar met werkervaringsplekken?"
        label = choices[0]["name"] if choices else str(self.session_id)
        await self.slash("fatma", "ask", shown={"event": label}, event=self.session_id, question=question)
        posted = await self.announcement(self.session_id)
        menu = await self.click("yasmina", posted, self.button(posted, "event.button.slots"))
        options = self.menu_options(menu.response)
        if not options:
            raise DemoError("the slot menu has no options")
        self.p.line("    " + self.p.style("Tijdsloten / slots: ", "note") + ", ".join(o["label"] for o in options))
        await self.choose("yasmina", menu.response, options[0])
        self.note(
            "Een uur voor de start krijgt Marco alle vragen per DM.",
            "An hour before the start Marco gets all questions by DM.",
        )

    async def challenge(self) -> None:
        choices = await self.autocomplete("sanne", "challenge post", "event", "hack")
        label = choices[0]["name"] if choices else str(self.hackathon_id)
        shown = await self.slash(
            "sanne",
            "challenge post",
            shown={"event": label},
            title="Samen tegen eenzaamheid",
            skills="data-analyse, werkervaringsplekken, fietsen repareren",
            owner="Gemeente Tilburg",
            event=self.hackathon_id,
        )
        posted = await self.submit(
            "sanne",
            shown,
            {
                "description": "Veel ouderen in Tilburg-Noord zien dagen niemand. Hoe brengen we ze in contact "
                "met de buurt: een fietsmaatje, een kop koffie, een klus? Data van de gemeente is er."
            },
        )
        self.challenge_id = await self.newest_challenge()
        thread = self.challenge_forum.threads[-1]
        self.show(f"Forumpost #{thread.name} / forum post:", thread.history()[0])
        await self.slash("sanne", "challenge suggest", id=self.challenge_id)
        invite = self.pick(posted.response, self.people["priya"].display_name, "challenge.fit.button")
        await self.click("sanne", posted.response, invite)
        invitation = self.last_dm("priya")
        self.show("Priya krijgt een DM / Priya gets a DM:", invitation, "priya")
        await self.click("priya", invitation, self.button(invitation, "challenge.button.join"), in_dm=True)
        await self.slash("fatma", "challenge join", id=self.challenge_id)
        for status in ("team_formed", "in_progress"):
            await self.slash(
                "sanne",
                "challenge status",
                shown={"status": self.text("sanne", f"challenge.status.{status}")},
                id=self.challenge_id,
                status=status,
            )
        self.show("In de thread / in the thread:", thread.last_message)
        await self.slash("tom", "challenge list")
        self.show(
            "De hackathon noemt de uitdaging / the hackathon names the challenge:",
            await self.announcement(self.hackathon_id),
        )

    async def find(self) -> None:
        await self.slash("yasmina", "find", text="vergaderruimte")
        self.note(
            "Zelf zoeken: wie biedt dit aan? Met de reden, en dezelfde knop om kennis te maken.",
            "Searching yourself: who offers this? With the reason, and the same button to be introduced.",
        )

    async def privacy_export(self) -> None:
        await self.slash("priya", "privacy export")
        self.note(
            "Alles wat Verbinder over Priya bewaart, als JSON-bestand dat alleen zij krijgt.",
            "Everything Verbinder keeps about Priya, as a JSON file only she receives.",
        )

    async def help(self) -> None:
        await self.slash("priya", "help")
        await self.slash("sanne", "help")
        self.note(
            "Sanne is moderator en ziet ook wat zij kan instellen.",
            "Sanne moderates, so she also sees what she can set up.",
        )

    async def operator(self) -> None:
        from bot.demo.operator import verbinder_match

        self.p.line(f"{self.begin_step()} {self.p.style('De beheerder / the operator', 'who')} (terminal)")
        command = f"verbinder match --guild {self.guild.id}"
        self.p.line(f"  $ {self.p.style(command, 'cmd')}")
        code, output = await verbinder_match(self.bot.settings, self.guild.id)
        for line in output.splitlines():
            self.p.line(f"    {line}")
        if code != 0:
            raise DemoError(f"{command} exited with {code}")
        self.p.line()
        self.note(
            "Een proefrun van de volgende ronde op de database van de bot; er wordt niets verstuurd.",
            "A dry run of the next round on the bot's database; nothing is sent.",
        )

    # -- small parts

    async def profile(self, key: str, *, quiet: bool = False) -> None:
        person = self.people[key]
        options: dict[str, Any] = {"sector": person.sector}
        if person.organisation:
            options["organisation"] = person.organisation
        options["region"] = person.region
        options["bio"] = person.bio
        await self.slash(key, "profile set", quiet=quiet, **options)

    async def answer(self, key: str, message_key: str) -> Any:
        """A member answers the proposal the bot sent them by DM."""
        proposal = self.last_dm(key)
        return await self.click(key, proposal, self.button(proposal, message_key), in_dm=True)

    def pick(self, message: Any, name: str, message_key: str) -> str:
        """The numbered button for ``name`` in a list of people (/match, challenge fits)."""
        fields = [f.name if hasattr(f, "name") else f["name"] for f in self.embeds(message)[0].fields]
        for number, field in enumerate(fields, start=1):
            if name in field:
                return self.button(message, message_key, number=number)
        raise DemoError(f"{name} is not in the list: {fields}")

    @staticmethod
    def embeds(message: Any) -> list[Any]:
        if not message.embeds:
            raise DemoError(f"expected a list, the bot said: {message.content!r}")
        return list(message.embeds)

    @staticmethod
    def menu_options(message: Any) -> list[dict[str, Any]]:
        for row in message.components or []:
            children = row["components"] if isinstance(row, dict) else row.children
            for child in children:
                options = child.get("options") if isinstance(child, dict) else getattr(child, "options", None)
                if options:
                    return [o if isinstance(o, dict) else {"label": o.label, "value": o.value} for o in options]
        return []

    def first_names(self, keys: list[str]) -> list[str]:
        return [self.people[key].display_name.split()[0] for key in keys] or ["niemand / nobody"]

    async def event_id(self, title: str) -> int:
        from sqlalchemy import select

        from models import Event

        async with self.bot.db.session() as session:
            found = await session.scalar(select(Event.id).where(Event.guild_id == self.guild.id, Event.title == title))
        if found is None:
            raise DemoError(f"the event {title!r} was not created")
        return int(found)

    async def announcement(self, event_id: int) -> Any:
        from models import Event

        async with self.bot.db.session() as session:
            event = await session.get(Event, event_id)
            message_id = event.announcement_message_id if event else None
        return next(m for m in self.events_channel.history() if m.id == message_id)

    async def newest_challenge(self) -> int:
        from sqlalchemy import func, select

        from models import Challenge

        async with self.bot.db.session() as session:
            found = await session.scalar(select(func.max(Challenge.id)).where(Challenge.guild_id == self.guild.id))
        if found is None:
            raise DemoError("the challenge was not posted")
        return int(found)

    def last_reply_pings_nobody(self) -> bool:
        for request in reversed(self.env.http_requests):
            body = request.json if isinstance(request.json, dict) else None
            if not body or request.method not in ("POST", "PATCH"):
                continue
            data = body["data"] if isinstance(body.get("data"), dict) else body
            if "content" in data or "embeds" in data:
                return data.get("allowed_mentions") == {"parse": []}
        return False

    async def thanks(self) -> None:
        await self.slash("sanne", "value setup", channel=self.channel, time_credits=True)
        await self.slash("marco", "value share", allow=True)
        await self.slash(
            "fatma",
            "thanks",
            member=self.actors["marco"],
            what="Hielp ons de subsidieaanvraag voor de buurtkeuken te schrijven",
            kind="knowledge",
            hours=3,
        )
        self.show("In #algemeen / in #general:", self.channel.last_message)
        self.show("Marco krijgt een DM / Marco gets a DM:", self.last_dm("marco"), "marco")
        await self.slash("marco", "value balance")
        self.note(
            "Zonder Marco's toestemming was het bedankje alleen anoniem geteld. Niemand kreeg een melding.",
            "Without Marco's consent the thanks would only be counted, anonymously. Nobody was pinged.",
        )

    async def impact(self) -> None:
        import tempfile
        from pathlib import Path

        shown = await self.slash("sanne", "impact")
        folder = Path(tempfile.gettempdir()) / "verbinder-demo-impact"
        folder.mkdir(parents=True, exist_ok=True)
        for attachment in shown.response.attachments:
            path = folder / attachment.filename
            path.write_bytes(await attachment.read())
            exists = "ja / yes" if path.is_file() and path.stat().st_size > 0 else "nee / no"
            self.p.line(f"  {attachment.filename} -> {path}  (bestaat / exists: {exists})")
        self.p.line()
        self.note(
            "De grafieken (PNG) en de tabel (CSV) kan de adviseur ook offline maken: verbinder report.",
            "The officer can also make the charts (PNG) and the table (CSV) offline: verbinder report.",
        )

    async def summary(self) -> tuple[int, int, int]:
        from sqlalchemy import func, select

        from models import (
            Challenge,
            ChallengeMember,
            Event,
            EventRsvp,
            Introduction,
            IntroParty,
            IntroStatus,
            ItemKind,
            Member,
            MemberItem,
        )

        guild = self.guild.id
        async with self.bot.db.session() as session:
            members = await session.scalar(select(func.count()).select_from(Member).where(Member.guild_id == guild))
            counts = dict(
                (
                    await session.execute(
                        select(MemberItem.kind, func.count())
                        .where(MemberItem.guild_id == guild)
                        .group_by(MemberItem.kind)
                    )
                ).all()
            )
            connected = await session.scalar(
                select(func.count())
                .select_from(Introduction)
                .where(Introduction.guild_id == guild, Introduction.status == IntroStatus.CONNECTED.value)
            )
            outcomes = await session.scalar(
                select(func.count())
                .select_from(IntroParty)
                .join(Introduction, IntroParty.introduction_id == Introduction.id)
                .where(Introduction.guild_id == guild, IntroParty.outcome.is_not(None))
            )
            going = await session.scalar(
                select(func.count())
                .select_from(EventRsvp)
                .join(Event, EventRsvp.event_id == Event.id)
                .where(Event.guild_id == guild, EventRsvp.status == "going")
            )
            team = await session.scalar(
                select(func.count())
                .select_from(ChallengeMember)
                .join(Challenge, ChallengeMember.challenge_id == Challenge.id)
                .where(Challenge.guild_id == guild)
            )
        offers, needs = counts.get(ItemKind.OFFER.value, 0), counts.get(ItemKind.NEED.value, 0)
        self.heading("Samenvatting", "Summary (read from the bot's database)")
        rows = [
            ("Leden met een profiel / members with a profile", members),
            ("Aanbod / offers", offers),
            ("Vraag / needs", needs),
            ("Verbindingen / connections made", connected),
            ("Gedeelde uitkomsten / outcomes shared", outcomes),
            ("Aanmeldingen 'ik ga' / going to events", going),
            ("In een uitdagingsteam / on a challenge team", team),
        ]
        for label, value in rows:
            self.p.line(f"  {label + ':':<48} {value or 0}")
        self.p.line()
        self.p.line("Echt gebruiken? Zie de README (DISCORD_TOKEN, verbinder run).")
        self.p.line(REAL_RUN_HINT)
        return members or 0, offers, needs


@dataclass(frozen=True)
class Chapter:
    """One named part of the story: a heading in both languages, the commands it runs, the method."""

    key: str
    dutch: str
    english: str
    commands: tuple[str, ...]
    play: Callable[[Demo], Awaitable[None]]


def chapter_marker(key: str) -> str:
    """How a chapter is marked in the transcript (tests find chapters by it)."""
    return f"[{key}]"


# Commands the story leaves out on purpose, and why (tests/test_demo.py checks that every other
# command of the bot is shown in a chapter: a new command needs a chapter or a reason here).
LEFT_OUT: dict[str, str] = {
    "offer remove": "works like /offer add",
    "need remove": "works like /need add",
    "synonym list": "shows what /synonym add stored",
    "synonym remove": "undoes /synonym add",
    "synonym reset-learning": "a moderator's reset of what matching learned; the story's server is new",
    "event edit": "a moderator's correction; the story's events go as planned",
    "event cancel": "the story's events go ahead",
    "expert remove": "undoes /expert register",
    "privacy show": "a member's private overview of their own data; nothing happens in the story",
    "privacy delete": "erasing a member would take them out of the rest of the story",
    "challenge leave": "undoes /challenge join",
}

# The story, in order. A feature that lands later gets one entry here, one Demo method that plays
# it (self.slash/click/submit/show; self.move_clock + self.run_job for scheduled work) and its line
# in SHOWS in tests/test_demo.py.
CHAPTERS: tuple[Chapter, ...] = (
    Chapter("server", f"De server: {GUILD_NAME}", f"The server: {GUILD_NAME}", (), Demo.server),
    Chapter(
        "setup",
        "De innovatie-adviseur richt kennismaken, evenementen en uitdagingen in",
        "The innovation officer sets up introductions, events and challenges",
        ("intro setup", "event setup", "challenge setup"),
        Demo.setup_server,
    ),
    Chapter("profiles", "Je profiel invullen", "Filling in your profile", ("profile set",), Demo.profiles),
    Chapter(
        "offers-needs",
        "Aanbod en vraag",
        "What members offer and need",
        ("offer add", "need add"),
        Demo.offers_and_needs,
    ),
    Chapter(
        "autocomplete",
        "Dezelfde woorden gebruiken",
        "Autocomplete suggests words the community already uses",
        ("offer add",),
        Demo.same_words,
    ),
    Chapter(
        "mistakes",
        "Foutje? Een vriendelijk antwoord",
        "Mistakes get a friendly answer, nothing breaks",
        ("offer add",),
        Demo.mistakes,
    ),
    Chapter(
        "synonym",
        "Een moderator voegt een synoniem toe",
        "A moderator adds a synonym",
        ("offer add", "synonym add"),
        Demo.synonym,
    ),
    Chapter(
        "match",
        "Kennismaken: vraag ontmoet aanbod, allebei eerst ja",
        "Introductions: needs meet offers, both say yes first",
        ("offer add", "intro join", "match"),
        Demo.match,
    ),
    Chapter(
        "lookups",
        "Overzicht bekijken",
        "Looking things up",
        ("offer list", "need list", "profile show"),
        Demo.looking_up,
    ),
    Chapter("find", "Zelf zoeken", "Finding help yourself", ("find",), Demo.find),
    Chapter(
        "decline",
        "Nee zeggen mag: de ander hoort het nooit",
        "Saying no is fine: the other never hears it",
        ("match",),
        Demo.decline,
    ),
    Chapter(
        "intro-controls",
        "Zelf bepalen: status, pauze, stoppen",
        "Your own controls: status, pause, leave",
        ("intro status", "intro pause", "intro leave"),
        Demo.intro_controls,
    ),
    Chapter("weekly-round", "De wekelijkse ronde", "The weekly round", (), Demo.weekly_round),
    Chapter(
        "follow-up",
        "Een week later: hoe ging het?",
        "A week later: the follow-up and its outcome",
        (),
        Demo.follow_up,
    ),
    Chapter(
        "hackathon",
        "Een hackathon: aanmelden, vol, wachtlijst, herinnering",
        "A hackathon: RSVP, capacity, waitlist and a reminder",
        ("event create", "event list"),
        Demo.hackathon,
    ),
    Chapter(
        "ask-the-expert",
        "Vraag het de expert: een vraag en een tijdslot",
        "Ask the expert: a question and a slot",
        ("expert register", "event create", "expert list", "ask"),
        Demo.ask_the_expert,
    ),
    Chapter(
        "challenge",
        "Een uitdaging voor de hackathon: voorstellen, uitnodigen, een team",
        "A challenge for the hackathon: suggestions, an invitation, a team, its status",
        ("challenge post", "challenge suggest", "challenge join", "challenge status", "challenge list"),
        Demo.challenge,
    ),
    Chapter(
        "thanks",
        "Bedanken: waarde zonder geld",
        "Saying thanks: value without money",
        ("value setup", "value share", "thanks", "value balance"),
        Demo.thanks,
    ),
    Chapter("impact", "De impact", "The officer's impact", ("impact",), Demo.impact),
    Chapter("privacy-export", "Je gegevens", "Your data", ("privacy export",), Demo.privacy_export),
    Chapter("help", "Hulp: wat kan ik hier?", "Help: what can I do here?", ("help",), Demo.help),
    Chapter(
        "operator",
        "De beheerder: verbinder match",
        "The operator: verbinder match, a dry run of the next round",
        (),
        Demo.operator,
    ),
)
