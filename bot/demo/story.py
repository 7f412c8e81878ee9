"""The demo's story: a sample community from Midden-Brabant runs the real commands."""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

from bot.demo.printer import Printer, render_message

GUILD_NAME = "Sociaal Midden-Brabant"
REAL_RUN_HINT = "Run it for real: see README (DISCORD_TOKEN, verbinder run)"


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

    # The numbered steps in :meth:`story` (slash commands and autocompletes shown in full).
    STEPS = 27

    def __init__(self, env: Any, bot: Any, printer: Printer, *, pause: float) -> None:
        self.env = env
        self.bot = bot
        self.p = printer
        self.pause = pause
        self.step = 0
        self.total = 0
        self.people: dict[str, Person] = {}
        self.actors: dict[str, Any] = {}
        # Shared with the printer: mentions of these ids are shown by name.
        self.names: dict[int, str] = printer.names
        self.guild: Any = None
        self.channel: Any = None

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

    def shown_command(self, key: str, name: str, options: dict[str, Any], *, shorten: int = 0) -> str:
        """The command as this member sees it in their own Discord client (long values cut if ``shorten``)."""
        from simcord import ChannelHandle, MemberActor

        from bot.i18n import command_text
        from cogs.profile.commands import SECTOR_LABELS
        from models import Sector

        locale = self.people[key].locale

        def tr(source: str) -> str:
            return (command_text(locale, source) if locale != "en" else None) or source

        parts = ["/" + " ".join(tr(word) for word in name.split())]
        for option, value in options.items():
            if isinstance(value, MemberActor):  # a member picked from the list
                shown = "@" + self.names[value.id]
            elif isinstance(value, ChannelHandle):
                shown = f"#{value.name}"
            elif option == "sector":
                shown = tr(SECTOR_LABELS[Sector(value)])
            else:
                shown = str(value)
                if shorten and len(shown) > shorten:
                    shown = shown[: shorten - 1].rstrip() + "…"
            parts.append(f"{tr(option)}: {shown}")
        return " ".join(parts)

    def begin_step(self) -> str:
        self.step += 1
        return self.p.style(f"[{self.step}/{self.total}]", "note")

    # -- what members do

    async def slash(self, key: str, name: str, /, *, quiet: bool = False, **options: Any) -> Any:
        if quiet:
            command = self.p.style(self.shown_command(key, name, options, shorten=32), "cmd")
            result = await self.actors[key].slash(self.channel, name, **options)
            first = result.response.content if result.response else ""
            self.p.line(f"  {self.who(key)}")
            self.p.line(f"    > {command}")
            self.p.line(f"      -> {self.p.markdown(first)}")
            if self.pause > 0:
                time.sleep(self.pause / 4)
            return result
        command = self.p.style(self.shown_command(key, name, options), "cmd")
        self.p.line(f"{self.begin_step()} {self.who(key)}")
        self.p.line(f"  > {command}")
        result = await self.actors[key].slash(self.channel, name, **options)
        messages = [m for m in [result.response, *result.followups] if m is not None]
        if not messages:
            self.p.line("    (geen antwoord / no reply)")
        for message in messages:
            render_message(message, self.p)
        self.p.line()
        self.wait()
        return result

    async def autocomplete(self, key: str, name: str, option: str, typed: str) -> list[dict[str, Any]]:
        self.p.line(f"{self.begin_step()} {self.who(key)}")
        shown = self.shown_command(key, name, {option: typed})
        self.p.line(f"  > {self.p.style(shown, 'cmd')}{self.p.style('▏', 'note')}   (typt nog / still typing)")
        choices = await self.actors[key].autocomplete(self.channel, name, option, typed)
        self.p.line("    Discord " + self.p.style("suggesties van de community / community suggestions", "note") + ":")
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
        for shown in [m for m in [result.response, *result.followups] if m is not None]:
            render_message(shown, self.p)
        self.p.line()
        self.wait()
        return result

    def show(self, title: str, message: Any) -> None:
        """Print a message the bot sent by itself (a DM, a thread post)."""
        self.p.line(f"  {self.p.style(title, 'note')}")
        render_message(message, self.p)
        self.p.line()

    def acknowledge_user_errors(self, expected: int) -> None:
        """The bot turned bad input into a friendly reply; SimCord recorded it. Anything else is a bug."""
        from bot.errors import UserError

        errors = self.env.errors
        unexpected = [e for e in errors if not isinstance(getattr(e, "original", e), UserError)]
        if unexpected or len(errors) != expected:
            raise RuntimeError(f"demo: expected {expected} user error(s), the bot reported {errors!r}")

    # -- the script

    async def setup(self) -> None:
        import discord

        from bot.simulation import sync_guild

        self.guild = self.env.create_guild(GUILD_NAME, preferred_locale="nl")
        self.guild.create_text_channel("welkom", topic="Welkom! Stel je voor met /profiel instellen.")
        self.channel = self.guild.create_text_channel("algemeen")
        self.intro_channel = self.guild.create_text_channel("kennismaken")
        for channel in (self.channel, self.intro_channel):
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

    async def story(self) -> None:
        self.total = self.STEPS
        p = self.p
        p.line(p.style("Verbinder demo: de community-verbinder van Midden-Brabant", "head"))
        p.line(p.style("Verbinder demo: the community connector of Midden-Brabant", "note"))
        p.line()
        p.line("Dit is de echte bot, offline, in een gesimuleerde Discord-server. Geen token, geen netwerk.")
        p.line("This is the real bot, offline, in a simulated Discord server. No token, no network.")

        self.heading(f"De server: {GUILD_NAME}", f"The server: {GUILD_NAME}, channels #welkom and #algemeen")
        p.line(f"  {len(self.people)} leden / members:")
        for person in self.people.values():
            org = person.organisation or "inwoner / resident"
            p.line(f"    [{person.locale}] {person.display_name:<20} {org}, {person.region}")
        p.line()
        self.note(
            "Leden met Discord in het Nederlands krijgen Nederlandse commando's en antwoorden.",
            "Members whose Discord is in English see English commands and replies.",
        )

        self.heading("Je profiel invullen", "Filling in your profile")
        await self.profile("sanne")
        await self.profile("priya")
        self.note("Ook de anderen vullen hun profiel in:", "The others fill in their profiles too:")
        for key in self.people:
            if key not in ("sanne", "priya"):
                await self.profile(key, quiet=True)
        p.line()
        self.wait()

        self.heading("Aanbod en vraag", "What members offer and need")
        await self.slash("henk", "offer add", text="Fietsen repareren")
        await self.slash("lotte", "offer add", text="Gratis vergaderruimte in de LocHal")
        await self.slash("lotte", "offer add", text="Hulp bij DigiD en online formulieren")
        await self.slash("marco", "offer add", text="Hulp bij de jaarrekening van een stichting")
        await self.slash("fatma", "need add", text="Advies over subsidies en financiering")
        await self.slash("fatma", "offer add", text="Werkervaringsplekken in de horeca")
        await self.slash("yasmina", "need add", text="Praktijkvragen voor studentenprojecten")
        await self.slash("tom", "offer add", text="Ruimte voor een fietsenwerkplaats in de wijk")
        await self.slash("sanne", "need add", text="Bewoners die meedenken over de wijkagenda")
        await self.slash("priya", "need add", text="A second-hand bicycle")
        await self.slash("priya", "offer add", text="Data analysis with Python")
        await self.slash("daniel", "offer add", text="Free pallets for @everyone who builds furniture")
        self.note(
            "@everyone blijft gewone tekst: de bot stuurt nooit meldingen naar de hele server.",
            "@everyone stays plain text: the bot never pings the whole server"
            + (" (allowed_mentions: none)." if self.last_reply_pings_nobody() else "."),
        )
        p.line()

        self.heading("Dezelfde woorden gebruiken", "Autocomplete suggests words the community already uses")
        await self.autocomplete("ria", "offer add", "text", "fiets")
        await self.slash("ria", "offer add", text="Fietsen repareren")
        self.note(
            "Ria kiest een bestaande term, zodat aanbod en vraag op elkaar aansluiten.",
            "Ria picks an existing term, so offers and needs line up.",
        )
        p.line()

        self.heading("Foutje? Een vriendelijk antwoord", "Mistakes get a friendly answer, nothing breaks")
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
        p.line()

        self.heading("Overzicht bekijken", "Looking things up")
        await self.slash("lotte", "offer list")
        await self.slash("priya", "need list")
        await self.slash("sanne", "profile show", member=self.actors["henk"])
        await self.slash("priya", "profile show", member=self.actors["fatma"])
        self.note(
            "Priya leest Fatma's Nederlandse profiel met Engelse kopjes.",
            "Priya reads Fatma's Dutch profile with English labels.",
        )
        p.line()
        await self.introductions()

    async def introductions(self) -> None:
        p = self.p
        self.heading("Kennismaken: vraag ontmoet aanbod", "Introductions: needs meet offers, both say yes first")
        await self.slash("sanne", "intro setup", channel=self.intro_channel)
        self.note("Wie mee wil doen, zegt dat zelf:", "Members opt in themselves:")
        await self.slash("marco", "offer add", quiet=True, text="Subsidieaanvragen schrijven voor stichtingen")
        for key in ("fatma", "marco", "henk", "lotte", "priya", "tom", "ria"):
            await self.slash(key, "intro join", quiet=True)
        p.line()
        shown = await self.slash("fatma", "match")
        fields = [f.name for f in shown.response.embeds[0].fields]
        number = next((i for i, name in enumerate(fields, 1) if "Marco" in name), 1)
        await self.click("fatma", shown.response, f"Stel ons voor ({number})")
        marco = self.actors["marco"]
        self.show("Marco krijgt een DM / Marco gets a DM:", marco.user.dm_channel.last_message)
        await self.click("marco", marco.user.dm_channel.last_message, "Ja, graag", in_dm=True)
        fatma = self.actors["fatma"]
        await self.click("fatma", fatma.user.dm_channel.last_message, "Ja, graag", in_dm=True)
        thread = self.intro_channel.threads[-1]
        self.show(f"Privé-thread #{thread.name} / private thread:", thread.last_message)
        self.note(
            "Pas als allebei ja zeggen, opent de bot een thread; een nee hoort de ander nooit.",
            "Only when both say yes does the bot open a thread; a no is never passed on.",
        )

    async def profile(self, key: str, *, quiet: bool = False) -> None:
        person = self.people[key]
        options: dict[str, Any] = {"sector": person.sector}
        if person.organisation:
            options["organisation"] = person.organisation
        options["region"] = person.region
        options["bio"] = person.bio
        await self.slash(key, "profile set", quiet=quiet, **options)

    def last_reply_pings_nobody(self) -> bool:
        for request in reversed(self.env.http_requests):
            body = request.json if isinstance(request.json, dict) else None
            if not body or request.method not in ("POST", "PATCH"):
                continue
            data = body["data"] if isinstance(body.get("data"), dict) else body
            if "content" in data or "embeds" in data:
                return data.get("allowed_mentions") == {"parse": []}
        return False

    async def summary(self) -> tuple[int, int, int]:
        from sqlalchemy import func, select

        from models import ItemKind, Member, MemberItem

        async with self.bot.db.session() as session:
            members = await session.scalar(
                select(func.count()).select_from(Member).where(Member.guild_id == self.guild.id)
            )
            counts = dict(
                (
                    await session.execute(
                        select(MemberItem.kind, func.count())
                        .where(MemberItem.guild_id == self.guild.id)
                        .group_by(MemberItem.kind)
                    )
                ).all()
            )
        offers, needs = counts.get(ItemKind.OFFER.value, 0), counts.get(ItemKind.NEED.value, 0)
        self.heading("Samenvatting", "Summary (read from the bot's database)")
        self.p.line(f"  Leden met een profiel / members with a profile: {members}")
        self.p.line(f"  Aanbod / offers:                               {offers}")
        self.p.line(f"  Vraag / needs:                                 {needs}")
        self.p.line()
        self.p.line("Echt gebruiken? Zie de README (DISCORD_TOKEN, verbinder run).")
        self.p.line(REAL_RUN_HINT)
        return members or 0, offers, needs
