"""Ask-the-expert through SimCord: registering expertise, suggestions for a session, inviting,
questions collected before the session and delivered to its experts, and slot booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
from sqlalchemy import select

from bot.simulation import run_jobs
from models import Event, EventExpert, EventQuestion
from tests.sim import synced_guild, take_user_errors

# Thursday 3 December 2026, 19:30 in Amsterdam.
START = datetime(2026, 12, 3, 18, 30, tzinfo=UTC)


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
        )
    }
    await officer.slash(general, "event setup", channel=channel)
    await people["anouk"].slash(general, "expert register", topics="subsidies aanvragen, fondsenwerving")
    await people["bram"].slash(general, "expert register", topics="circulaire economie")
    return World(env, guild, general, channel, officer, people)


async def tick(env) -> None:
    """The events' minute tick, as the scheduler runs it."""
    await run_jobs(env, "events")


async def session_event(env) -> Event:
    async with env.bot.db.session() as session:
        return (await session.execute(select(Event))).scalar_one()


async def create_session(world, **options):
    w = world
    options = {
        "kind": "expert_session",
        "title": "Vraag het de expert: geld voor je buurtidee",
        "start": "2026-12-03 19:30",
        "duration": "1h30",
        "location": "Bibliotheek LocHal",
        "topics": "subsidies voor buurtinitiatieven",
    } | options
    shown = await w.officer.slash(w.general, "event create", **options)
    assert shown.modal is not None, shown.response and shown.response.content
    return await w.officer.submit_modal(shown, {"text": "Stel je vragen over subsidies en fondsen."})


async def test_register_list_and_fuzzy_topics(world):
    w = world
    carol = w.people["carol"]
    await carol.slash(w.general, "offer add", text="fondsenwerving voor stichtingen")
    offered = await w.people["dirk"].autocomplete(w.general, "expert register", "topics", "subsidies, fonds")
    assert {
        "name": "subsidies, fondsenwerving voor stichtingen",
        "value": "subsidies, fondsenwerving voor stichtingen",
    } in offered

    everyone = await carol.slash(w.general, "expert list")
    assert everyone.ephemeral
    assert "subsidies aanvragen, fondsenwerving" in everyone.response.embeds[0].description
    # The matching vocabulary: "hergebruik" (reuse) is circular economy.
    reuse = await carol.slash(w.general, "expert list", topic="hergebruik")
    assert reuse.response.embeds[0].title == "Experts on “hergebruik”"
    assert w.people["bram"].mention in reuse.response.embeds[0].description
    assert w.people["anouk"].mention not in reuse.response.embeds[0].description
    none = await carol.slash(w.general, "expert list", topic="houtbewerking")
    assert none.response.content == "No expert on “houtbewerking” yet."

    bad = await carol.slash(w.general, "expert register", topics=" , ")
    assert bad.response.content == "Give at least one topic, e.g. subsidies, circular economy."
    left = await w.people["bram"].slash(w.general, "expert remove")
    assert left.response.content.startswith("You no longer offer expertise.")
    again = await w.people["bram"].slash(w.general, "expert remove")
    assert again.response.content == "You are not registered as an expert."
    assert len(take_user_errors(w.env)) == 2


async def test_a_session_suggests_fitting_experts_and_the_moderator_invites_one(world):
    w = world
    created = await create_session(world)
    text = created.response.content
    assert "Experts whose topics fit this session." in text
    assert "• **Anouk de Vries**: subsidies aanvragen, fondsenwerving (fits “subsidies voor buurtinitiatieven”" in text
    assert "Bram" not in text
    labels = [c["label"] for row in created.response.components for c in row["components"]]
    assert labels == ["Invite Anouk de Vries"]

    invited = await w.officer.click(created.response, label="Invite Anouk de Vries")
    assert (
        invited.response.content
        == "Anouk de Vries is an expert of **Vraag het de expert: geld voor je buurtidee** now; I told them by DM."
    )
    dm = w.people["anouk"].user.dm_channel.last_message
    assert dm.content.startswith(
        "You are invited as an expert for **Vraag het de expert: geld voor je buurtidee** (<t:1796322600:F>)"
    )
    again = await w.officer.click(created.response, label="Invite Anouk de Vries")
    assert again.response.content.startswith("Anouk de Vries is already an expert")
    event = await session_event(w.env)
    posted = next(m for m in w.channel.history() if m.id == event.announcement_message_id)
    fields = {f.name: f.value for f in posted.embeds[0].fields}
    assert (
        fields["Experts"] == w.people["anouk"].mention and fields["Onderwerpen"] == "subsidies voor buurtinitiatieven"
    )


async def test_questions_are_collected_and_delivered_to_the_experts_an_hour_before(world, clock):
    w = world
    bram_dm = w.env.backend.get_dm_channel(w.people["bram"].id)
    w.env.inject_error("POST", f"/channels/{bram_dm.id}/messages", status=403, code=50007, times=None)
    created = await create_session(world, expert=w.people["bram"])
    assert (
        "Bram Janssen is an expert of **Vraag het de expert: geld voor je buurtidee** now, but their DMs are closed"
        in (created.response.content)
    )
    await w.officer.click(created.response, label="Invite Anouk de Vries")
    event = await session_event(w.env)

    carol, dirk = w.people["carol"], w.people["dirk"]
    offered = await carol.autocomplete(w.general, "ask", "event", "buurt")
    assert offered == [{"name": "Vraag het de expert: geld voor je buurtidee · 03-12-2026 19:30", "value": event.id}]
    for n, question in enumerate(
        ("Welke fondsen steunen buurtmoestuinen?", "Hoe lang duurt een aanvraag?", "Moet ik een stichting zijn?"),
        start=1,
    ):
        asked = await carol.slash(w.general, "ask", event=event.id, question=question)
        assert asked.ephemeral and asked.response.content.startswith(
            f"Your question to the experts of **Vraag het de expert: geld voor je buurtidee** is saved "
            f"(question {n} of 3)."
        )
    fourth = await carol.slash(w.general, "ask", event=event.id, question="Nog één?")
    assert fourth.response.content == "You already asked 3 questions for this session, the maximum."
    too_long = await dirk.slash(w.general, "ask", event=event.id, question="Waarom " * 80)
    assert too_long.response.content == "Your question is 559 characters; the maximum is 500."
    posted = next(m for m in w.channel.history() if m.id == event.announcement_message_id)
    form = await dirk.click(posted, label="Stel een vraag")
    await dirk.submit_modal(form, {"text": "Kan de gemeente @everyone helpen?"})
    assert len(take_user_errors(w.env)) == 2

    clock.now = START.replace(hour=17, minute=29)
    await tick(w.env)
    assert "questions for" not in (w.people["anouk"].user.dm_channel.last_message.content or "")
    clock.now = START.replace(hour=17, minute=30)
    await tick(w.env)
    listing = w.people["anouk"].user.dm_channel.last_message.content
    assert listing.startswith("4 questions for **Vraag het de expert: geld voor je buurtidee** (<t:1796322600:F>):")
    assert f"1. Welke fondsen steunen buurtmoestuinen? ({carol.mention})" in listing
    assert "4. Kan de gemeente @\u200beveryone helpen?" in listing  # made inert
    # Bram's DMs are closed: a private thread in the events w.channel with only him.
    [thread] = w.channel.threads
    contents = [m.content for m in thread.history()]
    assert any(c.startswith(f"{w.people['bram'].mention}, your DMs are closed") for c in contents)
    assert any("Moet ik een stichting zijn?" in c for c in contents)
    assert {m.id for m in w.env.bot.get_channel(thread.id).members} >= {w.people["bram"].id}

    await tick(w.env)
    assert len([m for m in w.people["anouk"].user.dm_channel.history() if m.content.startswith("4 questions for")]) == 1
    late = await dirk.slash(w.general, "ask", event=event.id, question="Nog te laat?")
    assert late.response.content.startswith("Questions for **Vraag het de expert: geld voor je buurtidee** closed")
    take_user_errors(w.env)
    async with w.env.bot.db.session() as session:
        assert len((await session.execute(select(EventQuestion))).scalars().all()) == 4
        experts_ = set((await session.execute(select(EventExpert.user_id))).scalars())
    assert experts_ == {w.people["anouk"].id, w.people["bram"].id}


def menu(shown) -> list[dict]:
    return shown.response.components[0]["components"][0]["options"]


async def test_members_book_one_slot_each(world):
    w = world
    await create_session(world, slot_minutes=30)  # 90 minutes: three slots
    event = await session_event(w.env)
    posted = next(m for m in w.channel.history() if m.id == event.announcement_message_id)
    assert [c.label for row in posted.components for c in row.children][-1] == "Boek een tijdslot"

    carol, dirk = w.people["carol"], w.people["dirk"]
    shown = await carol.click(posted, label="Boek een tijdslot")
    assert shown.ephemeral
    options = menu(shown)
    assert [o["label"] for o in options] == [
        "03-12-2026 19:30–20:00 (Europe/Amsterdam)",
        "03-12-2026 20:00–20:30 (Europe/Amsterdam)",
        "03-12-2026 20:30–21:00 (Europe/Amsterdam)",
    ]
    booked = await carol.select(shown.response, [options[0]["value"]])
    assert booked.response.content == (
        "Booked: <t:1796322600:F>, for **Vraag het de expert: geld voor je buurtidee**. "
        "I'll remind you by DM half an hour before."
    )

    other = await dirk.click(posted, label="Boek een tijdslot")
    assert [o["label"] for o in menu(other)] == [
        "03-12-2026 20:00–20:30 (Europe/Amsterdam)",
        "03-12-2026 20:30–21:00 (Europe/Amsterdam)",
    ]
    await dirk.select(other.response, [menu(other)[0]["value"]])
    posted = next(m for m in w.channel.history() if m.id == event.announcement_message_id)
    slots = {f.name: f.value for f in posted.embeds[0].fields}["Tijdsloten"]
    assert slots == "2 van 3 tijdsloten geboekt (elk 30 minuten)"

    mine = await carol.click(posted, label="Boek een tijdslot")
    assert "Your slot now: <t:1796322600:F>." in mine.response.content
    release = menu(mine)[-1]
    assert release["label"] == "Give my slot back"
    freed = await carol.select(mine.response, [release["value"]])
    assert freed.response.content == "Your slot for **Vraag het de expert: geld voor je buurtidee** is free again."


async def test_expert_list_of_many_long_topics_stays_within_discords_limits(world):
    w = world
    topics = ", ".join((f"{n} " + "maatschappelijk verantwoord ondernemen in de regio " * 2)[:60] for n in range(10))
    for n in range(30):
        member = w.guild.add_member(w.env.create_user(f"expert{n}", global_name=f"Expert {n:02d} " + "x" * 20))
        done = await member.slash(w.general, "expert register", topics=topics)
        assert done.response.content.startswith("You are registered as an expert")
    listed = await w.people["carol"].slash(w.general, "expert list")
    [embed] = listed.response.embeds
    assert len(embed.description) <= 4096 and len(embed) <= 6000
    lines = embed.description.splitlines()
    shown = len(lines) - 1
    assert 0 < shown < 32 and all(line.startswith("• <@") for line in lines[:-1])
    assert lines[-1] == f"… and {32 - shown} more. Choose a topic to narrow the list."
