"""Events reach everyone who answered (issue 14 item 4), through SimCord: Going or Maybe is consent
to that event's reminders and changes by DM (introductions or not), an edit of time or place tells
Going, Maybe and the waitlist and posts once in the events channel, "Interested" on the native
Discord event counts as Maybe, and a finished event's announcement loses its buttons, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from sqlalchemy import select

from bot.simulation import as_bot, run_jobs
from models import Event, EventRsvp
from tests.sim import synced_guild

# Thursday 10 December 2026, 19:30 in Amsterdam (CET) is 18:30 UTC.
START = datetime(2026, 12, 10, 18, 30, tzinfo=UTC)


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
    officer = guild.add_member(env.create_user("officer"), roles=[officers])
    people = {
        name: guild.add_member(env.create_user(name, global_name=name.title()))
        for name in ("anouk", "bram", "carol", "dirk", "eva")
    }
    await officer.slash(general, "event setup", channel=channel)
    return World(env, guild, general, channel, officer, people)


async def create(w: World, **options: Any) -> Event:
    options = {
        "kind": "hackathon",
        "title": "Hack de Stad",
        "start": "2026-12-10 19:30",
        "duration": "3h",
        "location": "LocHal, Tilburg",
    } | options
    shown = await w.officer.slash(w.general, "event create", **options)
    assert shown.modal is not None, shown.response and shown.response.content
    await w.officer.submit_modal(shown, {"text": "Een avond bouwen aan de stad."})
    async with w.env.bot.db.session() as session:
        return (await session.execute(select(Event).order_by(Event.id.desc()))).scalars().first()


async def announcement(w: World, event: Event) -> discord.Message:
    return next(m for m in w.channel.history() if m.id == event.announcement_message_id)


def fields(message: discord.Message) -> dict[str, str]:
    return {f.name: f.value for f in message.embeds[0].fields}


def dms(member: Any) -> list[str]:
    channel = member.user.dm_channel
    return [m.content for m in channel.history()] if channel is not None else []


def close_dms(w: World, member: Any) -> None:
    dm = w.env.backend.get_dm_channel(member.id)
    w.env.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007, times=None)


async def tick(env: Any) -> None:
    await run_jobs(env, "events")


async def test_going_or_maybe_is_consent_to_the_events_reminders_without_introductions(world, clock):
    w = world
    event = await create(w)
    posted = await announcement(w, event)
    anouk, bram, carol = w.people["anouk"], w.people["bram"], w.people["carol"]
    going = await anouk.click(posted, label="Ik ga")
    # The reply says what the click means and how to stop (the button as the announcement shows it).
    assert going.response.content == (
        "You're going to **Hack de Stad**. See you there! I'll DM you this event's reminders and any change "
        "of time or place; click “Kan niet” on the announcement to stop them."
    )
    maybe = await bram.click(posted, label="Misschien")
    assert maybe.response.content.startswith("Noted: maybe for **Hack de Stad**. I'll DM you this event's reminders")
    await carol.click(posted, label="Ik ga")
    stopped = await carol.click(posted, label="Kan niet")
    assert stopped.response.content == "Noted: you can't go to **Hack de Stad**. I won't send you messages about it."

    clock.now = START - timedelta(days=1)
    await tick(w.env)
    # Nobody joined introductions: Going and Maybe get the reminder anyway, "Can't go" does not.
    assert [c.split(" (")[0] for c in dms(anouk)] == ["⏰ Reminder: **Hack de Stad** starts <t:1796927400:R>"]
    assert [c.split(" (")[0] for c in dms(bram)] == ["⏰ Reminder: **Hack de Stad** starts <t:1796927400:R>"]
    assert dms(carol) == []
    [post] = [m for m in w.channel.history() if m.content.startswith("⏰")]
    assert post.content.startswith("⏰ **Hack de Stad** begint <t:1796927400:R>") and "<@" not in post.content


async def test_an_edit_of_time_tells_going_maybe_and_the_waitlist_and_posts_once(world):
    w = world
    event = await create(w, capacity=1)
    posted = await announcement(w, event)
    anouk, bram, carol, dirk, eva = (w.people[n] for n in ("anouk", "bram", "carol", "dirk", "eva"))
    await anouk.click(posted, label="Ik ga")
    await bram.click(posted, label="Ik ga")  # the waitlist
    await carol.click(posted, label="Misschien")
    await dirk.click(posted, label="Kan niet")
    await eva.click(posted, label="Misschien")
    close_dms(w, eva)
    before = len(w.channel.history())

    edited = await w.officer.slash(w.general, "event edit", event=event.id, start="2026-12-11 20:00")
    assert edited.response.content.startswith(
        "Updated **Hack de Stad**: the Discord event and the announcement show the changes, the events channel "
        "has a notice, and 3 members who said Going or Maybe (or wait for a place) got a DM."
    )
    for member in (anouk, bram, carol):
        [dm] = [c for c in dms(member) if "has changed" in c]
        assert dm.startswith("**Hack de Stad** has changed. When: <t:1797015600:F>")
    assert not [c for c in dms(dirk) if "changed" in c]
    new = w.channel.history()[before:]
    [notice] = [m for m in new if m.content.startswith("📅")]
    assert notice.content.startswith("📅 **Hack de Stad** is gewijzigd. Wanneer: <t:1797015600:F>")
    # Only Eva, whose DMs are closed, is mentioned; nobody else is pinged.
    assert notice.content.endswith(eva.mention) and anouk.mention not in notice.content
    request = [r for r in w.env.http_requests if r.method == "POST" and r.path == f"/channels/{w.channel.id}/messages"]
    assert [int(u) for u in request[-1].json["allowed_mentions"]["users"]] == [eva.id]

    # A change of title only: nobody is told, nothing is posted.
    before = len(w.channel.history())
    renamed = await w.officer.slash(w.general, "event edit", event=event.id, title="Hack de Wijk")
    assert renamed.response.content.startswith("Updated **Hack de Wijk**: the Discord event and the announcement")
    assert len(w.channel.history()) == before


async def heard(w: World, event: Event, member: Any, *, interested: bool) -> None:
    """The member clicks (or unclicks) Interested and discord.py reports it, as it does for members it
    knows (with the Server Members intent every member; without it Discord's report is dropped)."""
    native = w.env.backend.get_guild(w.guild.id).scheduled_events[event.native_event_id]
    await (member.subscribe_event(native) if interested else member.unsubscribe_event(native))
    bot = w.env.bot
    with as_bot(w.env):
        user = await bot.fetch_user(member.id)
        scheduled = bot.get_guild(w.guild.id).get_scheduled_event(event.native_event_id)
        bot.dispatch(f"scheduled_event_user_{'add' if interested else 'remove'}", scheduled, user)
    await w.env.settle()


async def test_interested_on_the_native_event_counts_as_maybe(world, clock):
    w = world
    event = await create(w)
    native = w.env.backend.get_guild(w.guild.id).scheduled_events[event.native_event_id]
    anouk, bram, carol = w.people["anouk"], w.people["bram"], w.people["carol"]
    await heard(w, event, anouk, interested=True)
    assert fields(await announcement(w, event))["Misschien"] == "1"
    # Going stays Going when the member also marks interest.
    await bram.click(await announcement(w, event), label="Ik ga")
    await heard(w, event, bram, interested=True)
    # Carol's click is not reported to the bot (it never saw her): she is counted when the bot
    # reads the interested list from Discord, before the reminder.
    await carol.subscribe_event(native)
    async with w.env.bot.db.session() as session:
        answers = dict((await session.execute(select(EventRsvp.user_id, EventRsvp.status))).all())
    assert answers == {anouk.id: "maybe", bram.id: "going"}

    clock.now = START - timedelta(days=1)
    await tick(w.env)
    for member in (anouk, carol):
        assert [c.split(" (")[0] for c in dms(member)] == ["⏰ Herinnering: **Hack de Stad** begint <t:1796927400:R>"]
    assert fields(await announcement(w, event))["Misschien"] == "2"

    # No longer interested: the Maybe goes; Going stays.
    await heard(w, event, anouk, interested=False)
    await heard(w, event, bram, interested=False)
    shown = fields(await announcement(w, event))
    assert (shown["Gaan"], shown["Misschien"]) == ("1", "1")
    assert w.env.errors == []


async def test_a_finished_event_loses_its_buttons_once(world, clock):
    w = world
    event = await create(w)
    await w.people["anouk"].click(await announcement(w, event), label="Ik ga")
    assert [c.label for row in (await announcement(w, event)).components for c in row.children] == [
        "Ik ga",
        "Misschien",
        "Kan niet",
    ]
    path = f"/channels/{w.channel.id}/messages/{event.announcement_message_id}"

    def edits() -> int:
        return len([r for r in w.env.http_requests if r.method == "PATCH" and r.path == path])

    clock.now = START + timedelta(hours=2, minutes=59)  # not over yet
    await tick(w.env)
    before = edits()
    clock.now = START + timedelta(hours=3)
    await tick(w.env)
    await tick(w.env)
    clock.advance(hours=1)
    await tick(w.env)
    assert edits() == before + 1
    posted = await announcement(w, event)
    assert posted.components == []
    assert posted.embeds[0].title == "Afgelopen: Hack de Stad"
    assert posted.embeds[0].footer.text == "Hackathon · Dit evenement is afgelopen"
    assert fields(posted)["Gaan"] == "1"
