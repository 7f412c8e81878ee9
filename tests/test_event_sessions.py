"""Ask-the-expert complete (issue 14 item 5), through SimCord: the expert chosen at creation is
invited with the others, the questions DM lists who holds which slot, slot holders are reminded
once before their slot, ``/event edit`` adds experts, and slot labels name the time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from sqlalchemy import select

from bot import outbox
from bot.services.events import notices
from bot.simulation import run_jobs
from models import Event, EventExpert, EventNotice
from tests.sim import nonces, restart, synced_guild, take_user_errors

# Thursday 3 December 2026, 19:30 in Amsterdam; slots of 30 minutes: 19:30, 20:00, 20:30.
START = datetime(2026, 12, 3, 18, 30, tzinfo=UTC)
TITLE = "Vraag het de expert: geld voor je buurtidee"


@dataclass
class World:
    env: Any
    guild: Any
    general: Any
    channel: Any
    officer: Any
    people: dict[str, Any]


@pytest.fixture
async def world(simcord_env) -> World:
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    channel = guild.create_text_channel("evenementen")
    officers = guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("officer", global_name="Innovation Officer"), roles=[officers])
    people = {
        name: guild.add_member(env.create_user(name, global_name=full))
        for name, full in (
            ("anouk", "Anouk de Vries"),
            ("bram", "Bram Janssen"),
            ("carol", "Carol Peeters"),
            ("dirk", "Dirk Smits"),
            ("eva", "Eva Mertens"),
        )
    }
    await officer.slash(general, "event setup", channel=channel)
    await people["anouk"].slash(general, "expert register", topics="subsidies aanvragen, fondsenwerving")
    await people["eva"].slash(general, "expert register", topics="subsidies voor buurtinitiatieven")
    await people["bram"].slash(general, "expert register", topics="circulaire economie")
    return World(env, guild, general, channel, officer, people)


async def create_session(w: World, **options: Any) -> Any:
    options = {
        "kind": "expert_session",
        "title": TITLE,
        "start": "2026-12-03 19:30",
        "duration": "1h30",
        "location": "Bibliotheek LocHal",
        "topics": "subsidies voor buurtinitiatieven",
        "slot_minutes": 30,
    } | options
    shown = await w.officer.slash(w.general, "event create", **options)
    assert shown.modal is not None, shown.response and shown.response.content
    return await w.officer.submit_modal(shown, {"text": "Stel je vragen over subsidies en fondsen."})


async def the_event(env: Any) -> Event:
    async with env.bot.db.session() as session:
        return (await session.execute(select(Event))).scalar_one()


async def announcement(w: World) -> discord.Message:
    event = await the_event(w.env)
    return next(m for m in w.channel.history() if m.id == event.announcement_message_id)


def dms(member: Any) -> list[str]:
    channel = member.user.dm_channel
    return [m.content for m in channel.history()] if channel is not None else []


async def book(w: World, member: Any, label: str) -> Any:
    shown = await member.click(await announcement(w), label="Boek een tijdslot")
    [option] = [o for o in shown.response.components[0]["components"][0]["options"] if o["label"] == label]
    return await member.select(shown.response, [option["value"]])


async def tick(env: Any) -> None:
    await run_jobs(env, "events")


async def test_the_chosen_expert_is_invited_with_the_others(world):
    w = world
    created = await create_session(w, expert=w.people["anouk"])
    text = created.response.content
    assert f"Anouk de Vries is an expert of **{TITLE}** now; I told them by DM." in text
    assert "No registered expert fits" not in text
    # The chosen expert is among the suggestions, marked as invited; the others can be invited.
    assert "• **Anouk de Vries**: subsidies aanvragen, fondsenwerving (fits “subsidies voor buurtinitiatieven”" in text
    assert [line for line in text.splitlines() if line.startswith("• **Anouk")][0].endswith("(invited)")
    assert "• **Eva Mertens**: subsidies voor buurtinitiatieven" in text and "Bram" not in text
    labels = [c["label"] for row in created.response.components for c in row["components"]]
    assert labels == ["Invite Eva Mertens"]
    assert dms(w.people["anouk"])[-1].startswith(f"You are invited as an expert for **{TITLE}**")


async def test_slot_labels_name_the_time_zone(world):
    w = world
    await create_session(w)
    shown = await w.people["carol"].click(await announcement(w), label="Boek een tijdslot")
    labels = [o["label"] for o in shown.response.components[0]["components"][0]["options"]]
    assert labels[0] == "03-12-2026 19:30–20:00 (Europe/Amsterdam)"


async def test_the_questions_dm_lists_who_holds_which_slot(world, clock):
    w = world
    await create_session(w, expert=w.people["anouk"])
    carol, dirk = w.people["carol"], w.people["dirk"]
    await book(w, dirk, "03-12-2026 20:00–20:30 (Europe/Amsterdam)")
    await book(w, carol, "03-12-2026 19:30–20:00 (Europe/Amsterdam)")
    event = await the_event(w.env)
    await carol.slash(w.general, "ask", event=event.id, question="Welke fondsen steunen buurtmoestuinen?")
    clock.now = START - timedelta(hours=1)
    await tick(w.env)
    [listing] = [c for c in dms(w.people["anouk"]) if c.startswith("1 question for")]
    assert listing.splitlines() == [
        f"1 question for **{TITLE}** (<t:1796322600:F>):",
        f"1. Welke fondsen steunen buurtmoestuinen? ({carol.mention})",
        "2 slots are booked:",
        f"• <t:1796322600:t>–<t:1796324400:t>: {carol.mention}",
        f"• <t:1796324400:t>–<t:1796326200:t>: {dirk.mention}",
    ]


async def test_slot_holders_are_reminded_once_before_their_slot(world, clock):
    w = world
    await create_session(w)
    carol, dirk = w.people["carol"], w.people["dirk"]
    await book(w, dirk, "03-12-2026 20:00–20:30 (Europe/Amsterdam)")  # 19:00 UTC

    def reminders(member: Any) -> list[str]:
        return [c for c in dms(member) if c.startswith("⏰ Your slot")]

    # Carol books the first slot 20 minutes before it starts: her booking reply is enough.
    clock.now = START - timedelta(minutes=20)
    booked = await book(w, carol, "03-12-2026 19:30–20:00 (Europe/Amsterdam)")
    assert booked.response.content == (
        f"Booked: <t:1796322600:F>, for **{TITLE}**. It starts soon, so there is no reminder."
    )
    for moment in (START - timedelta(minutes=20), START - timedelta(minutes=1)):
        clock.now = moment
        await tick(w.env)
    assert reminders(carol) == [] and reminders(dirk) == []
    # Dirk's slot starts at 20:00 (19:00 UTC): reminded at 19:30, once.
    for moment in (START, START + timedelta(minutes=1), START + timedelta(minutes=15)):
        clock.now = moment
        await tick(w.env)
    event = await the_event(w.env)
    assert reminders(dirk) == [
        f"⏰ Your slot for **{TITLE}** starts <t:1796324400:R>: 03-12-2026 20:00–20:30 (Europe/Amsterdam) "
        f"(<t:1796324400:F>). Where: Bibliotheek LocHal. https://discord.com/channels/{w.guild.id}/"
        f"{w.channel.id}/{event.announcement_message_id}"
    ]
    assert reminders(carol) == []
    async with w.env.bot.db.session() as session:
        slots = dict((await session.execute(select(EventNotice.kind, EventNotice.sent_at.is_not(None)))).all())
    assert {k: v for k, v in slots.items() if k.startswith("slot_")} == {
        "slot_1796322600": False,  # Carol's: skipped, booked too late for a reminder
        "slot_1796324400": True,
    }


async def test_a_slot_reminder_claimed_but_never_sent_goes_out_once_after_a_restart(world, clock, settings):
    w = world
    await create_session(w)
    dirk = w.people["dirk"]
    await book(w, dirk, "03-12-2026 20:00–20:30 (Europe/Amsterdam)")  # 19:00 UTC: reminded from 18:30
    clock.now = START
    bot = w.env.bot
    # The tick puts the reminder in the outbox, a sender claims it... and the process dies.
    async with bot.db.session() as session:
        [slot] = await notices.claim_slot_reminders(session, clock.now)
    async with bot.db.session() as session:
        [item] = await outbox.claim(session, clock.now, kinds=("slot_reminder",))
    assert item.key == notices.slot_key(slot)

    await restart(w.env, settings, clock)
    await tick(w.env)
    assert [c for c in dms(dirk) if c.startswith("⏰ Your slot")] == []  # maybe still being sent
    for _ in range(3):
        clock.advance(minutes=1)
        await tick(w.env)
    assert len([c for c in dms(dirk) if c.startswith("⏰ Your slot")]) == 1
    assert nonces(w.env, dirk.user.dm_channel.id)[-1] == (outbox.nonce(item.key), True)


async def test_event_edit_adds_an_expert(world):
    w = world
    await create_session(w)
    event = await the_event(w.env)
    edited = await w.officer.slash(w.general, "event edit", event=event.id, expert=w.people["bram"])
    told = edited.response.content.splitlines()[1]
    assert told == f"Bram Janssen is an expert of **{TITLE}** now; I told them by DM."
    assert dms(w.people["bram"])[-1].startswith(f"You are invited as an expert for **{TITLE}**")
    fields = {f.name: f.value for f in (await announcement(w)).embeds[0].fields}
    assert fields["Experts"] == w.people["bram"].mention
    again = await w.officer.slash(w.general, "event edit", event=event.id, expert=w.people["bram"])
    assert len(again.response.content.splitlines()) == 1  # already an expert: nobody told twice
    assert len([c for c in dms(w.people["bram"]) if c.startswith("You are invited")]) == 1
    async with w.env.bot.db.session() as session:
        assert list((await session.execute(select(EventExpert.user_id))).scalars()) == [w.people["bram"].id]

    hackathon = await w.officer.slash(
        w.general,
        "event create",
        kind="hackathon",
        title="Hack de Stad",
        start="2026-12-05 10:00",
        duration="3h",
        location="LocHal",
    )
    await w.officer.submit_modal(hackathon, {"text": "Bouwen."})
    async with w.env.bot.db.session() as session:
        hack_id = (await session.execute(select(Event.id).where(Event.title == "Hack de Stad"))).scalar_one()
    refused = await w.officer.slash(w.general, "event edit", event=hack_id, expert=w.people["bram"])
    assert refused.response.content == "Topics, slots and experts are for ask-the-expert sessions only."
    assert len(take_user_errors(w.env)) == 1
