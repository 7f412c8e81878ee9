"""Events through SimCord: /event create (native event + announcement), RSVPs, the waitlist,
buttons after a restart, moderator checks, edit, cancel and bad input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
import pytest
from simcord.backend.errors import OptionError
from sqlalchemy import func, select

from bot.services.events import records
from bot.simulation import as_bot
from models import Challenge, Event, EventNotice, EventRsvp
from tests.sim import restart, synced_guild, take_user_errors

DESCRIPTION = "Samen bouwen we een week lang aan oplossingen voor eenzaamheid in de wijk."


@dataclass
class World:
    env: Any
    guild: Any
    general: Any
    channel: Any
    officer: Any
    anouk: Any
    bram: Any
    carol: Any


@pytest.fixture
async def world(simcord_env) -> World:
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    channel = guild.create_text_channel("evenementen")
    officers = guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("officer", global_name="Innovation Officer"), roles=[officers])
    people = [
        guild.add_member(env.create_user(name, global_name=full))
        for name, full in (("anouk", "Anouk de Vries"), ("bram", "Bram Janssen"), ("carol", "Carol Peeters"))
    ]
    done = await officer.slash(general, "event setup", channel=channel)
    assert done.response.content.startswith(f"Events are announced in {channel.mention}. Reminders: 7d,1d,1h")
    return World(env, guild, general, channel, officer, *people)


async def create(w: World, *, description: str = DESCRIPTION, **options: Any) -> Any:
    options = {
        "kind": "hackathon",
        "title": "Hack de Stad",
        "start": "2026-12-03 19:30",
        "duration": "3h",
        "location": "LocHal, Burgemeester Brokxlaan 1000, Tilburg",
    } | options
    options = {k: v for k, v in options.items() if v is not None}
    shown = await w.officer.slash(w.general, "event create", **options)
    assert shown.modal is not None, shown.response and shown.response.content
    return await w.officer.submit_modal(shown, {"text": description})


async def rows(w: World) -> list[Event]:
    async with w.env.bot.db.session() as session:
        return list((await session.execute(select(Event).order_by(Event.id))).scalars())


def natives(w: World) -> list[Any]:
    return list(w.env.backend.get_guild(w.guild.id).scheduled_events.values())


async def announcement(w: World, index: int = 0) -> discord.Message:
    event = (await rows(w))[index]
    return next(m for m in w.channel.history() if m.id == event.announcement_message_id)


def fields(message: discord.Message) -> dict[str, str]:
    return {f.name: f.value for f in message.embeds[0].fields}


def labels(message: discord.Message) -> list[str]:
    return [c.label for row in message.components for c in row.children]


async def test_create_makes_a_native_event_and_posts_the_announcement(world):
    w = world
    done = await create(w, capacity=30)
    assert done.ephemeral
    assert done.response.content.startswith("Created **Hack de Stad**, <t:1796322600:F> – <t:1796333400:t>.")
    [native] = natives(w)
    assert native.name == "Hack de Stad" and native.description == DESCRIPTION
    assert native.scheduled_start_time == "2026-12-03T18:30:00+00:00"  # 19:30 in Amsterdam (CET)
    assert native.scheduled_end_time == "2026-12-03T21:30:00+00:00"
    assert native.entity_metadata == {"location": "LocHal, Burgemeester Brokxlaan 1000, Tilburg"}
    [event] = await rows(w)
    assert event.native_event_id == native.id and event.capacity == 30

    posted = await announcement(w)
    # Nobody asked for a language in the channel: the server default (Dutch).
    embed = posted.embeds[0]
    assert embed.title == "Hack de Stad" and embed.description == DESCRIPTION
    assert fields(posted)["Wanneer"] == "<t:1796322600:F> – <t:1796333400:t>\n(<t:1796322600:R>)"
    assert fields(posted)["Gaan"] == "0 van 30 plekken"
    assert labels(posted) == ["Ik ga", "Misschien", "Kan niet"]
    assert event.announcement_channel_id == w.channel.id
    async with w.env.bot.db.session() as session:
        kinds = dict((await session.execute(select(EventNotice.kind, EventNotice.sent_at.is_not(None)))).all())
    # The announcement is recorded with the event, before it is posted; the 7-day reminder's time
    # had already passed (the event is 6 days away), so it is recorded as skipped.
    assert kinds == {"announce": True, "remind_7d": False}
    sent = [r for r in w.env.http_requests if r.method == "POST" and r.path == f"/channels/{w.channel.id}/messages"]
    assert sent[-1].json["allowed_mentions"] == {"parse": []}


async def test_a_voice_channel_can_be_the_place(world):
    w = world
    voice = w.guild.create_voice_channel("Podium")
    await create(w, kind="meetup", title="Online koffie", location=None, channel=voice)
    [native] = natives(w)
    assert (native.entity_type, native.channel_id) == (2, voice.id)
    assert fields(await announcement(w))["Waar"] == voice.mention


async def test_rsvp_clicks_update_the_counts(world):
    w = world
    await create(w)
    going = await w.anouk.click(await announcement(w), label="Ik ga")
    assert going.ephemeral and going.response.content.startswith("You're going to **Hack de Stad**. See you there!")
    await w.bram.click(await announcement(w), label="Misschien")
    await w.carol.click(await announcement(w), label="Kan niet")
    shown = fields(await announcement(w))
    assert (shown["Gaan"], shown["Misschien"], shown["Kunnen niet"]) == ("1", "1", "1")

    again = await w.anouk.click(await announcement(w), label="Ik ga")
    assert again.response.content == "You already said “going” for **Hack de Stad**."
    await w.bram.click(await announcement(w), label="Ik ga")
    shown = fields(await announcement(w))
    assert (shown["Gaan"], shown["Misschien"]) == ("2", "0")

    listed = await w.bram.slash(w.general, "event list")
    assert listed.ephemeral
    [field] = listed.response.embeds[0].fields
    assert field.name == "Hack de Stad"
    assert "Going: 2 · maybe: 0" in field.value and "You: going" in field.value


async def test_capacity_waitlist_and_promotion_when_a_place_frees_up(world):
    w = world
    await create(w, capacity=1)
    await w.anouk.click(await announcement(w), label="Ik ga")
    waiting = await w.bram.click(await announcement(w), label="Ik ga")
    assert waiting.response.content.startswith("**Hack de Stad** is full, so you are on the waitlist (number 1).")
    third = await w.carol.click(await announcement(w), label="Ik ga")
    assert "(number 2)" in third.response.content
    shown = fields(await announcement(w))
    assert (shown["Gaan"], shown["Wachtlijst"]) == ("1 van 1 plek", "2")

    # Carol's DMs are closed: she is mentioned in the events channel instead, and only she.
    dm = w.env.backend.get_dm_channel(w.carol.id)
    w.env.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007, times=None)
    await w.anouk.click(await announcement(w), label="Kan niet")
    told = w.bram.user.dm_channel.last_message
    # Bram's language is remembered from his RSVP (an English client), though he has no profile.
    assert told.content.startswith("Good news: a place freed up for **Hack de Stad**")
    async with w.env.bot.db.session() as session:
        statuses = dict((await session.execute(select(EventRsvp.user_id, EventRsvp.status))).all())
    assert statuses == {w.anouk.id: "not_going", w.bram.id: "going", w.carol.id: "waitlist"}

    await w.bram.click(await announcement(w), label="Misschien")
    mention = w.channel.last_message
    assert (
        mention.content.startswith("Er is een plek vrijgekomen voor **Hack de Stad**")
        and w.carol.mention in mention.content
    )
    request = [r for r in w.env.http_requests if r.method == "POST" and r.path == f"/channels/{w.channel.id}/messages"][
        -1
    ]
    assert request.json["allowed_mentions"]["parse"] == [] and list(
        map(int, request.json["allowed_mentions"]["users"])
    ) == [w.carol.id]
    shown = fields(await announcement(w))
    assert shown["Gaan"] == "1 van 1 plek" and "Wachtlijst" not in shown


async def test_buttons_keep_working_after_a_restart(world, settings, clock):
    w = world
    await create(w, kind="expert_session", title="Vraag het de subsidie-expert", topics="subsidies")
    old = await announcement(w)
    await restart(w.env, settings, clock)
    clicked = await w.anouk.click(old, label="Ik ga")
    assert clicked.response.content.startswith("You're going to **Vraag het de subsidie-expert**. See you there!")
    form = await w.bram.click(old, label="Stel een vraag")
    assert form.modal is not None
    saved = await w.bram.submit_modal(form, {"text": "Welke subsidies zijn er voor buurtinitiatieven?"})
    assert saved.response.content.startswith(
        "Your question to the experts of **Vraag het de subsidie-expert** is saved (question 1 of 3)."
    )
    assert fields(await announcement(w))["Gaan"] == "1"


async def test_moderator_commands_are_refused_to_members_when_they_run(world):
    w = world
    await create(w)
    refused = await w.anouk.slash(
        w.general,
        "event create",
        kind="meetup",
        title="Mijn feestje",
        start="2026-12-05 20:00",
        duration="2h",
        location="Thuis",
    )
    assert refused.modal is None and refused.ephemeral
    assert refused.response.content == "You are not allowed to do that here."
    [event] = await rows(w)
    for command, options in (
        ("event cancel", {"event": event.id}),
        ("event edit", {"event": event.id, "title": "Weg"}),
        ("event setup", {"channel": w.general}),
    ):
        result = await w.anouk.slash(w.general, command, **options)
        assert result.response.content == "You are not allowed to do that here."
    assert len(take_user_errors(w.env)) == 4
    assert await w.anouk.autocomplete(w.general, "event cancel", "event", "") == []
    offered = await w.officer.autocomplete(w.general, "event cancel", "event", "hack")
    assert offered == [{"name": "Hack de Stad · 03-12-2026 19:30", "value": event.id}]
    [event] = await rows(w)
    assert (event.title, event.status) == ("Hack de Stad", "scheduled")
    assert len(natives(w)) == 1


async def test_edit_updates_the_native_event_and_the_announcement(world):
    w = world
    await create(w)
    async with w.env.bot.db.session() as session:
        from bot.services import intros

        await intros.join(session, w.guild.id, w.anouk.id, chance=False, name="Anouk", locale="nl")
    await w.anouk.click(await announcement(w), label="Ik ga")
    [event] = await rows(w)
    edited = await w.officer.slash(
        w.general, "event edit", event=event.id, title="Hack de Wijk", start="2026-12-04 10:00", capacity=10
    )
    assert edited.response.content.startswith("Updated **Hack de Wijk**")
    assert "and 1 member who said Going or Maybe (or waits for a place) got a DM." in edited.response.content
    [native] = natives(w)
    assert (native.name, native.scheduled_start_time) == ("Hack de Wijk", "2026-12-04T09:00:00+00:00")
    assert native.scheduled_end_time == "2026-12-04T12:00:00+00:00"  # the duration stays 3 hours
    posted = await announcement(w)
    assert posted.embeds[0].title == "Hack de Wijk" and fields(posted)["Gaan"] == "1 van 10 plekken"
    # In the language of her last interaction (her click), not the server's.
    assert w.anouk.user.dm_channel.last_message.content.startswith(
        "**Hack de Wijk** has changed. When: <t:1796374800:F>"
    )

    form = await w.officer.slash(w.general, "event edit", event=event.id, description=True)
    assert form.modal["components"][0]["components"][0]["value"] == DESCRIPTION
    await w.officer.submit_modal(form, {"text": "Nieuwe beschrijving."})
    assert natives(w)[0].description == "Nieuwe beschrijving."
    assert (await announcement(w)).embeds[0].description == "Nieuwe beschrijving."

    nothing = await w.officer.slash(w.general, "event edit", event=event.id)
    assert nothing.response.content.startswith("Tell me what to change")
    past = await w.officer.slash(w.general, "event edit", event=event.id, start="2026-11-01 10:00")
    assert past.response.content == "2026-11-01 10:00 has already passed. Choose a time in the future."
    take_user_errors(w.env)
    assert natives(w)[0].scheduled_start_time == "2026-12-04T09:00:00+00:00"


async def test_cancel_tells_going_and_maybe_and_updates_everything(world):
    w = world
    await create(w)
    async with w.env.bot.db.session() as session:
        from bot.services import intros

        for member in (w.anouk, w.bram):
            await intros.join(session, w.guild.id, member.id, chance=False, name=member.name, locale="nl")
    await w.anouk.click(await announcement(w), label="Ik ga")
    await w.bram.click(await announcement(w), label="Misschien")
    await w.carol.click(await announcement(w), label="Ik ga")  # did not join introductions: still told
    dirk = w.guild.add_member(w.env.create_user("dirk"))
    await dirk.click(await announcement(w), label="Kan niet")
    [event] = await rows(w)
    done = await w.officer.slash(w.general, "event cancel", event=event.id, reason="De zaal is niet beschikbaar")
    assert done.response.content.startswith(
        "Cancelled **Hack de Stad**. DM sent to 3 of the 3 members who said Going or Maybe (or were waiting);"
    )
    for member in (w.anouk, w.bram, w.carol):
        assert member.user.dm_channel.last_message.content == (
            "**Hack de Stad** (<t:1796322600:F>) is cancelled. Reason: De zaal is niet beschikbaar"
        )
    assert dirk.user.dm_channel is None or dirk.user.dm_channel.history() == []
    post = w.channel.last_message
    assert post.content.startswith("❌ **Hack de Stad** (<t:1796322600:F>) is geannuleerd.")
    [native] = natives(w)
    assert native.status == 4  # cancelled
    posted = await announcement(w)
    assert posted.embeds[0].title == "Geannuleerd: Hack de Stad" and posted.components == []
    [event] = await rows(w)
    assert event.status == "cancelled"
    again = await w.officer.slash(w.general, "event cancel", event=event.id)
    assert again.response.content == "**Hack de Stad** is cancelled."
    take_user_errors(w.env)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"start": "2026-11-01 19:30"}, "2026-11-01 19:30 has already passed. Choose a time in the future."),
        ({"start": "volgende week"}, "I cannot read “volgende week” as a date and time."),
        ({"start": "2027-03-28 02:30"}, "2027-03-28 02:30 does not exist in Europe/Amsterdam"),
        ({"title": "Hackathon " * 11}, "The title is 109 characters; the maximum is 100."),
        ({"duration": "een middag"}, "I cannot read “een middag” as a duration."),
        ({"location": None}, "Where is it?"),
    ],
)
async def test_bad_input_is_explained_and_creates_nothing(world, options, message):
    w = world
    options = {
        "kind": "hackathon",
        "title": "Hack de Stad",
        "start": "2026-12-03 19:30",
        "duration": "3h",
        "location": "LocHal",
    } | options
    options = {k: v for k, v in options.items() if v is not None}
    refused = await w.officer.slash(w.general, "event create", **options)
    assert refused.modal is None and refused.ephemeral
    assert refused.response.content.startswith(message)
    take_user_errors(w.env)
    assert await rows(w) == [] and natives(w) == []


@pytest.mark.parametrize(
    "options", [{"capacity": 0}, {"capacity": -5}, {"capacity": 10_001}, {"kind": "expert_session", "slot_minutes": 4}]
)
async def test_numeric_bounds_are_enforced_by_the_client(world, options):
    """Capacity and slot length are ``app_commands.Range``s: Discord refuses them before the bot runs."""
    w = world
    options = {"kind": "hackathon", "title": "Hack", "start": "2026-12-03 19:30", "duration": "3h"} | options
    with pytest.raises(OptionError):
        await w.officer.slash(w.general, "event create", location="LocHal", **options)
    assert await rows(w) == [] and natives(w) == []


async def test_an_empty_description_creates_nothing(world):
    w = world
    refused = await create(w, description="   \n  ")
    assert refused.response.content == "The description is empty. Tell members what the event is about."
    take_user_errors(w.env)
    assert await rows(w) == [] and natives(w) == []


async def test_no_events_channel_no_event(simcord_env):
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    owner = guild.add_member(
        env.create_user("owner"), roles=[guild.create_role("Mods", permissions=discord.Permissions(administrator=True))]
    )
    refused = await owner.slash(
        general, "event create", kind="meetup", title="Borrel", start="2026-12-03 19:30", duration="2h", location="Café"
    )
    assert refused.response.content.startswith("This server has no events channel yet.")
    take_user_errors(env)


async def test_when_discord_refuses_the_native_event_nothing_is_stored(world):
    w = world
    w.env.inject_error("POST", f"/guilds/{w.guild.id}/scheduled-events", status=403, code=50013)
    refused = await create(w)
    assert refused.response.content.startswith("Discord did not accept the event, so nothing was created")
    take_user_errors(w.env)
    assert await rows(w) == [] and natives(w) == []
    assert w.channel.history() == []


async def test_when_storing_fails_the_native_event_is_deleted(world, monkeypatch):
    w = world

    async def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(records, "insert_event", broken)
    failed = await create(w)
    assert failed.response.content.startswith("Something went wrong on my side, so this may not have been finished.")
    assert [type(getattr(e, "original", e)) for e in w.env.errors] == [RuntimeError]
    w.env.errors.clear()
    assert natives(w) == [] and await rows(w) == []
    assert any(r.method == "DELETE" and "/scheduled-events/" in r.path for r in w.env.http_requests)
    async with w.env.bot.db.session() as session:
        assert (await session.execute(select(func.count()).select_from(EventNotice))).scalar_one() == 0


async def test_a_changed_challenge_shows_on_the_announcement(world):
    """The contract with challenges: link a challenge to an event, then dispatch
    ``hackathon_challenges_changed``; the announcement is edited in place."""
    w = world

    await create(w)
    [event] = await rows(w)
    async with w.env.bot.db.session() as session:
        for title, status in (("Eenzaamheid onder ouderen", "open"), ("Afgesloten vraag", "closed")):
            session.add(
                Challenge(
                    guild_id=w.guild.id,
                    title=title,
                    description="-",
                    skills="",
                    event_id=event.id,
                    status=status,
                    created_by=w.officer.id,
                )
            )
    with as_bot(w.env):
        w.env.bot.dispatch("hackathon_challenges_changed", event.id)
        w.env.bot.dispatch("hackathon_challenges_changed", 999)  # unknown: nothing happens
    await w.env.settle()
    assert w.env.errors == []
    shown = fields(await announcement(w))
    assert shown["Uitdagingen"].startswith("• #") and shown["Uitdagingen"].endswith(" Eenzaamheid onder ouderen")
    assert "Afgesloten" not in shown["Uitdagingen"]
    assert len([m for m in w.channel.history() if m.embeds]) == 1  # edited in place, not posted again


def demote(w: World, member: Any) -> None:
    """A server admin takes the moderator role away while the member has a form open."""
    w.env.backend.get_guild(w.guild.id).members[member.id].role_ids.clear()


async def test_moderator_forms_check_rights_again_when_submitted(world):
    w = world
    await create(w)
    [event] = await rows(w)
    create_form = await w.officer.slash(
        w.general,
        "event create",
        kind="meetup",
        title="Borrel",
        start="2026-12-05 20:00",
        duration="2h",
        location="Café",
    )
    edit_form = await w.officer.slash(w.general, "event edit", event=event.id, title="Weg", description=True)
    assert create_form.modal is not None and edit_form.modal is not None
    demote(w, w.officer)
    for form in (create_form, edit_form):
        refused = await w.officer.submit_modal(form, {"text": "Toch maar wel."})
        assert refused.ephemeral and refused.response.content == "You are not allowed to do that here."
    [event] = await rows(w)
    assert (event.title, event.description) == ("Hack de Stad", DESCRIPTION)
    assert [n.name for n in natives(w)] == ["Hack de Stad"]


async def test_event_list_of_27_long_events_stays_within_discords_limits(world):
    w = world
    place = "Burgemeester Brokxlaan 1000, LocHal, tweede verdieping, zaal De Kennismakerij, 5041 SB Tilburg, Nederland"
    place = place[:100]
    for n in range(27):
        title = f"{n:02d} " + "Hackathon over eenzaamheid, wonen en werk in de wijk " * 2
        await create(w, title=title[:100], start=f"2026-12-{n + 3:02d} 19:30", location=place, capacity=50)
    await w.anouk.click(await announcement(w, 0), label="Ik ga")
    listed = await w.anouk.slash(w.general, "event list")
    [embed] = listed.response.embeds
    assert len(embed) <= 6000 and len(embed.fields) <= 25
    assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in embed.fields)
    shown = len(embed.fields)
    assert 0 < shown < 27
    assert [f.name[:2] for f in embed.fields] == [f"{n:02d}" for n in range(shown)]  # soonest first
    assert "You: going" in embed.fields[0].value and place in embed.fields[0].value
    assert embed.footer.text.startswith(f"… and {27 - shown} more.")
    # What the bot sent, as Discord received it.
    request = next(r for r in reversed(w.env.http_requests) if r.path.endswith("/callback"))
    [sent] = request.json["data"]["embeds"]
    assert len(sent["fields"]) == shown and sent["footer"]["text"] == embed.footer.text
    for index in range(27):
        posted = (await announcement(w, index)).embeds[0]
        assert len(posted) <= 6000 and len(posted.title) <= 256
