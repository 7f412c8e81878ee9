"""/challenge: bad input changes nothing, Discord's limits hold, hackathons link up, Dutch works."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import discord
import pytest
from simcord import SetupError
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.services import guilds
from bot.simulation import member_locales
from models import Challenge, Event
from tests.sim import pings_nobody, synced_guild, take_user_errors
from tests.test_challenges import DESCRIPTION, field, make_world, post, stored


@pytest.fixture
async def world(simcord_env):
    return await make_world(simcord_env)


async def challenge_count(env) -> int:
    async with env.bot.db.session() as session:
        return (await session.execute(select(func.count()).select_from(Challenge))).scalar_one()


async def add_event(env, guild_id: int, clock, *, kind="hackathon", days=14, title="Hack de Haven") -> int:
    starts = clock.now + timedelta(days=days)
    async with env.bot.db.session() as session:
        event = Event(
            guild_id=guild_id,
            kind=kind,
            title=title,
            starts_at=starts,
            ends_at=starts + timedelta(hours=8),
            created_by=1,
        )
        session.add(event)
        await session.flush()
        return event.id


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"skills": " , ;  "}, "Name at least one skill the challenge needs, e.g. “subsidies, data analysis”."),
        ({"skills": "x, subsidies"}, "“x” cannot be used as a skill: each skill needs 2 to 60 characters."),
        ({"skills": ", ".join(f"vaardigheid {i}" for i in range(11))}, "Name at most 10 skills."),
        ({"title": "   "}, "Give the challenge a title."),
        ({"title": "t" * 101}, "The title has 101 characters; at most 100 fit."),
        ({"deadline": "31 december"}, "“31 december” is not a date. Use year-month-day, e.g. 2026-12-31."),
        ({"deadline": "2026-11-26"}, "The deadline 2026-11-26 has passed already."),
        ({"event": 99}, "There is no event 99 in this server."),
    ],
)
async def test_bad_post_options_are_refused_before_the_form(world, options, message):
    w = world
    await w.officer.slash(w.general, "challenge setup", channel=w.guild.create_forum_channel("uitdagingen"))
    given = {"title": "Schone Piushaven", "skills": "subsidies", **options}
    refused = await w.officer.slash(w.general, "challenge post", **given)
    assert refused.modal is None and refused.ephemeral
    assert refused.response.content == message
    assert len(take_user_errors(w.env)) == 1
    assert await challenge_count(w.env) == 0


async def test_without_a_channel_there_is_nothing_to_post_in(world):
    w = world
    refused = await w.officer.slash(w.general, "challenge post", title="Schone Piushaven", skills="subsidies")
    assert refused.modal is None
    assert refused.response.content.startswith("There is no challenges channel yet.")
    take_user_errors(w.env)


async def test_an_empty_or_over_long_description_posts_nothing(world):
    w = world
    forum = w.guild.create_forum_channel("uitdagingen")
    await w.officer.slash(w.general, "challenge setup", channel=forum)
    shown = await w.officer.slash(w.general, "challenge post", title="Schone Piushaven", skills="subsidies")
    assert shown.modal["components"][0]["components"][0]["max_length"] == 2000
    with pytest.raises(SetupError, match="max_length"):  # Discord itself refuses more than 2,000 characters
        await w.officer.submit_modal(shown, {"description": "x" * 2001})
    empty = await w.officer.submit_modal(shown, {"description": "  \n  "})
    assert empty.response.content == "Describe the challenge: the description cannot be empty."
    assert [e.key for e in take_user_errors(w.env)] == []  # answered by the form itself
    assert await challenge_count(w.env) == 0 and forum.threads == []


async def test_unknown_challenge_ids_are_refused(world):
    w = world
    for actor, name, options in (
        (w.anouk, "challenge join", {"id": 42}),
        (w.anouk, "challenge leave", {"id": 42}),
        (w.officer, "challenge status", {"id": 42, "status": "closed"}),
        (w.officer, "challenge suggest", {"id": 42}),
    ):
        refused = await actor.slash(w.general, name, **options)
        assert refused.response.content == "There is no challenge 42 in this server. See `/challenge list`."
    assert [e.key for e in take_user_errors(w.env)] == ["challenge.unknown"] * 4


async def test_a_challenge_of_another_server_is_unknown_here(world):
    w = world
    await post(w, w.guild.create_forum_channel("uitdagingen"))
    other = await synced_guild(w.env, name="Elders")
    stranger = other.add_member(w.env.create_user("stranger"))
    elsewhere = other.create_text_channel("general")
    refused = await stranger.slash(elsewhere, "challenge join", id=1)
    assert refused.response.content.startswith("There is no challenge 1 in this server.")
    take_user_errors(w.env)


@pytest.mark.parametrize("kind", ["forum", "text"])
async def test_when_discord_refuses_the_post_nothing_is_saved_and_nothing_stays(world, kind):
    w = world
    if kind == "forum":
        channel = w.guild.create_forum_channel("uitdagingen")
        w.env.inject_error(
            "POST", f"/channels/{channel.id}/threads", status=403, code=50013, message="Missing Permissions"
        )
    else:
        channel = w.guild.create_text_channel("uitdagingen")
        w.env.inject_error(
            "POST", f"/channels/{channel.id}/messages/*/threads", status=403, code=50013, message="Missing Permissions"
        )
    failed = await post(w, channel)
    assert failed.response.content.startswith(f"I could not post in {channel.mention}")
    take_user_errors(w.env)
    assert await challenge_count(w.env) == 0
    assert channel.threads == [] and channel.history() == []


async def test_a_long_description_is_cut_on_the_post_and_complete_in_the_thread(world):
    w = world
    channel = w.guild.create_text_channel("uitdagingen")
    paragraphs = [
        f"Alinea {i}: " + "bewoners, ondernemers en de gemeente werken samen aan een schone haven. " * 4
        for i in range(7)
    ]
    long = "\n\n".join(paragraphs)[:2000]
    await post(w, channel, description=long, title="T" * 100, owner="O" * 100, deadline="2027-01-31")
    message = channel.history()[0]
    embed = message.embeds[0]
    assert len(embed) <= 6000 and len(embed.description) <= 4096
    [thread] = channel.threads
    assert embed.description.endswith(f"*Lees de volledige beschrijving in de thread: <#{thread.id}>*")
    assert len(embed.description) < 1200
    pieces = [m.content for m in thread.history()]
    assert all(len(p) <= 2000 for p in pieces)
    assert pieces[0].startswith("**Volledige beschrijving van")
    header, first = pieces[0].split("\n", 1)
    assert header == f"**Volledige beschrijving van “{'T' * 100}”**"
    assert " ".join([first, *pieces[1:]]).split() == long.split()
    [challenge] = await stored(w.env)
    assert challenge.description.split() == long.split() and len(challenge.description) > 1900


async def test_a_challenge_linked_to_a_hackathon_shows_it_and_tells_the_events_feature(world, clock):
    w = world
    told: list[int] = []

    async def on_hackathon_challenges_changed(event_id: int) -> None:
        told.append(event_id)

    # The events feature listens to this to list the hackathon's challenges on its announcement.
    w.env.bot.add_listener(on_hackathon_challenges_changed)
    hackathon = await add_event(w.env, w.guild.id, clock)
    meetup = await add_event(w.env, w.guild.id, clock, kind="meetup", title="Borrel")
    started = await add_event(w.env, w.guild.id, clock, days=-1, title="Vorige hackathon")
    choices = await w.officer.autocomplete(w.general, "challenge post", "event", "hack")
    assert choices == [
        {"name": f"Hack de Haven · {(clock.now + timedelta(days=14)).date().isoformat()}", "value": hackathon}
    ]

    await w.officer.slash(w.general, "challenge setup", channel=w.guild.create_forum_channel("uitdagingen"))
    for event_id, message in (
        (meetup, "“Borrel” is not a hackathon; challenges can only be linked to hackathons."),
        (started, "“Vorige hackathon” has started already or is cancelled; choose an upcoming hackathon."),
    ):
        refused = await w.officer.slash(w.general, "challenge post", title="X", skills="subsidies", event=event_id)
        assert refused.modal is None and refused.response.content == message
    take_user_errors(w.env)

    await post(w, w.guild.channels["uitdagingen"], event=hackathon)
    [challenge] = await stored(w.env)
    assert challenge.event_id == hackathon
    starter = w.guild.channels["uitdagingen"].threads[0].history()[0]
    assert field(starter, "Hackathon").startswith("**Hack de Haven**, <t:")
    await w.officer.slash(w.general, "challenge status", id=1, status="closed")
    await w.env.settle()
    assert told == [hackathon, hackathon]

    listed = await w.anouk.slash(w.general, "challenge list", status="closed")
    assert "**Hack de Haven**" in listed.response.embeds[0].fields[0].value


async def test_dutch_members_get_dutch_replies_and_nobody_is_pinged(world):
    w = world
    with member_locales({w.officer.id: "nl", w.anouk.id: "nl"}):
        forum = w.guild.create_forum_channel("uitdagingen")
        done = await post(w, forum)
        assert done.response.content.startswith("Uitdaging #1 “Schone Piushaven” is geplaatst:")
        assert done.response.embeds[0].title == "Leden wier aanbod past bij “Schone Piushaven”"
        assert (
            "Biedt “subsidies aanvragen” aan voor de vaardigheid “subsidieaanvraag schrijven”."
            in done.response.embeds[0].fields[0].value
        )
        invited = await w.officer.click(done.response, label="Uitnodigen (1)")
        assert invited.response.content == "Ik heb Anouk de Vries via een DM uitgenodigd."
        joined = await w.anouk.slash(w.general, "challenge join", id=1)
        assert joined.response.content.startswith("Je doet mee in het team van “Schone Piushaven”.")
        moved = await w.officer.slash(w.general, "challenge status", id=1, status="team_formed")
        assert (
            moved.response.content
            == "“Schone Piushaven” is nu **Team gevormd**. Ik heb het in de thread van de uitdaging gemeld."
        )
        shown = await w.anouk.slash(w.general, "challenge list")
        assert shown.response.embeds[0].title == "Uitdagingen (1)"
    assert pings_nobody(w.env)
    assert "@everyone" not in str([r.json for r in w.env.http_requests])
    assert isinstance(w.anouk.user.dm_channel.last_message.embeds[0], discord.Embed)


async def test_the_hackathon_announcement_lists_its_challenges(world, clock):
    """The contract with events: after linking, the real announcement lists the challenge (and drops it when closed)."""
    w = world
    events_channel = w.guild.create_text_channel("agenda")
    hackathon = await add_event(w.env, w.guild.id, clock)
    async with w.env.bot.db.session() as session:
        settings = await guilds.get_settings(session, w.guild.id)
        settings.events_channel_id = events_channel.id
        session.add(settings)
    await post(w, w.guild.create_forum_channel("uitdagingen"), event=hackathon)

    def listed() -> str:
        announcement = events_channel.history()[-1]
        return " ".join(f.value for f in announcement.embeds[0].fields)

    assert "#1 Schone Piushaven" in listed()
    await w.officer.slash(w.general, "challenge status", id=1, status="closed")
    assert "Schone Piushaven" not in listed()


async def test_setup_refuses_a_channel_the_bot_cannot_post_in(world):
    w = world
    bot_member = w.guild.me
    closed = w.guild.create_text_channel(
        "dicht", overwrites={bot_member: discord.PermissionOverwrite(create_public_threads=False)}
    )
    refused = await w.officer.slash(w.general, "challenge setup", channel=closed)
    assert refused.response.content.startswith(f"I may not post challenges in {closed.mention}")
    take_user_errors(w.env)
    shown = await w.officer.slash(w.general, "challenge post", title="Schone Piushaven", skills="subsidies")
    assert shown.response.content.startswith("There is no challenges channel yet.")
    take_user_errors(w.env)


async def test_a_moderator_demoted_while_typing_posts_nothing(world):
    w = world
    forum = w.guild.create_forum_channel("uitdagingen")
    await w.officer.slash(w.general, "challenge setup", channel=forum)
    shown = await w.officer.slash(w.general, "challenge post", title="Schone Piushaven", skills="subsidies")
    assert shown.modal is not None
    # While the form is open, the moderator loses the role that gave them the right to post.
    w.env.backend.remove_member_role(w.guild.id, w.officer.id, w.guild.roles["Innovatie"].id)
    await w.env.settle()
    refused = await w.officer.submit_modal(shown, {"description": DESCRIPTION})
    assert refused.ephemeral and refused.response.content == "You are not allowed to do that here."
    assert take_user_errors(w.env) == []  # answered by the form itself
    assert await challenge_count(w.env) == 0 and forum.threads == []


async def test_no_database_write_waits_on_discord_while_a_challenge_is_posted(world, settings):
    """While the bot talks to Discord about a new post, another writer gets the database at once."""
    w = world
    channel = w.guild.create_text_channel("uitdagingen")
    path = make_url(settings.database_url).database
    writes: list[str] = []

    async def on_message(message: discord.Message) -> None:
        # The post's message arrived; the bot is still creating its thread and storing where it is.
        if message.channel.id != channel.id:
            return
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if the bot holds a write transaction
            other.execute("ROLLBACK")
            writes.append("ok")
        except sqlite3.OperationalError as exc:
            writes.append(str(exc))
        finally:
            other.close()

    w.env.bot.add_listener(on_message)
    done = await post(w, channel)
    await w.env.settle()
    assert done.response.content.startswith("Posted challenge #1")
    assert writes and set(writes) == {"ok"}
    [challenge] = await stored(w.env)
    assert challenge.message_id == channel.history()[0].id


async def test_the_list_of_many_long_challenges_stays_within_discords_limits(world, clock):
    """12 challenges of 10 long skills each, all fitting the member: the reply that was really sent fits."""
    w = world
    skills = [f"subsidies aanvragen {i} " + "x" * (60 - 22) for i in range(10)]
    assert all(len(s) == 60 for s in skills)
    hackathon = await add_event(w.env, w.guild.id, clock, title="H" * 100)
    async with w.env.bot.db.session() as session:
        for number in range(12):
            session.add(
                Challenge(
                    guild_id=w.guild.id,
                    title=f"{number} " + "T" * 97,
                    description="D" * 2000,
                    skills="|".join(skills),
                    owner_organisation="O" * 100,
                    deadline=clock.now + timedelta(days=30),
                    event_id=hackathon,
                    status="open",
                    created_by=w.officer.id,
                    channel_id=10**18 + number,
                    message_id=10**18 + number,
                    thread_id=10**18 + number,
                    created_at=clock.now,
                    members=[],
                )
            )
    before = len(w.env.http_requests)
    shown = await w.anouk.slash(w.general, "challenge list")
    assert not take_user_errors(w.env)
    [sent] = [r.json for r in w.env.http_requests[before:] if isinstance(r.json, dict) and _embeds(r.json)]
    [embed] = _embeds(sent)
    total = len(embed.get("title", "")) + len(embed.get("description", "")) + len(embed["footer"]["text"])
    total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6000 and len(embed["fields"]) <= 25
    assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in embed["fields"])
    assert 5 <= len(embed["fields"]) < 12
    assert embed["footer"]["text"] == f"And {12 - len(embed['fields'])} more. Narrow the list with status or skill."
    assert "Fits you" in embed["fields"][0]["value"] and "more" in embed["fields"][0]["value"]
    assert shown.response.embeds[0].title == "Challenges (12)"


def _embeds(body: dict) -> list[dict]:
    data = body.get("data") if isinstance(body.get("data"), dict) else body
    return data.get("embeds") or []
