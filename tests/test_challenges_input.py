"""/challenge: bad input changes nothing, Discord's limits hold, hackathons link up, Dutch works."""

from __future__ import annotations

import sys
from datetime import timedelta

import discord
import pytest
from simcord import SetupError
from sqlalchemy import func, select

from bot.simulation import member_locales
from models import Challenge, Event
from tests.sim import pings_nobody, synced_guild, take_user_errors
from tests.test_challenges import field, make_world, post, stored


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
    env, guild, general, officer, *_ = world
    await officer.slash(general, "challenge setup", channel=guild.create_forum_channel("uitdagingen"))
    given = {"title": "Schone Piushaven", "skills": "subsidies", **options}
    refused = await officer.slash(general, "challenge post", **given)
    assert refused.modal is None and refused.ephemeral
    assert refused.response.content == message
    assert len(take_user_errors(env)) == 1
    assert await challenge_count(env) == 0


async def test_without_a_channel_there_is_nothing_to_post_in(world):
    env, guild, general, officer, *_ = world
    refused = await officer.slash(general, "challenge post", title="Schone Piushaven", skills="subsidies")
    assert refused.modal is None
    assert refused.response.content.startswith("There is no challenges channel yet.")
    take_user_errors(env)


async def test_an_empty_or_over_long_description_posts_nothing(world):
    env, guild, general, officer, *_ = world
    forum = guild.create_forum_channel("uitdagingen")
    await officer.slash(general, "challenge setup", channel=forum)
    shown = await officer.slash(general, "challenge post", title="Schone Piushaven", skills="subsidies")
    assert shown.modal["components"][0]["components"][0]["max_length"] == 2000
    with pytest.raises(SetupError, match="max_length"):  # Discord itself refuses more than 2,000 characters
        await officer.submit_modal(shown, {"description": "x" * 2001})
    empty = await officer.submit_modal(shown, {"description": "  \n  "})
    assert empty.response.content == "Describe the challenge: the description cannot be empty."
    assert [e.key for e in take_user_errors(env)] == []  # answered by the form itself
    assert await challenge_count(env) == 0 and forum.threads == []


async def test_unknown_challenge_ids_are_refused(world):
    env, guild, general, officer, anouk, *_ = world
    for actor, name, options in (
        (anouk, "challenge join", {"id": 42}),
        (anouk, "challenge leave", {"id": 42}),
        (officer, "challenge status", {"id": 42, "status": "closed"}),
        (officer, "challenge suggest", {"id": 42}),
    ):
        refused = await actor.slash(general, name, **options)
        assert refused.response.content == "There is no challenge 42 in this server. See `/challenge list`."
    assert [e.key for e in take_user_errors(env)] == ["challenge.unknown"] * 4


async def test_a_challenge_of_another_server_is_unknown_here(world):
    env, guild, general, officer, anouk, *_ = world
    await post(world, guild.create_forum_channel("uitdagingen"))
    other = await synced_guild(env, name="Elders")
    stranger = other.add_member(env.create_user("stranger"))
    elsewhere = other.create_text_channel("general")
    refused = await stranger.slash(elsewhere, "challenge join", id=1)
    assert refused.response.content.startswith("There is no challenge 1 in this server.")
    take_user_errors(env)


@pytest.mark.parametrize("kind", ["forum", "text"])
async def test_when_discord_refuses_the_post_nothing_is_saved_and_nothing_stays(world, kind):
    env, guild, general, officer, *_ = world
    if kind == "forum":
        channel = guild.create_forum_channel("uitdagingen")
        env.inject_error(
            "POST", f"/channels/{channel.id}/threads", status=403, code=50013, message="Missing Permissions"
        )
    else:
        channel = guild.create_text_channel("uitdagingen")
        env.inject_error(
            "POST", f"/channels/{channel.id}/messages/*/threads", status=403, code=50013, message="Missing Permissions"
        )
    failed = await post(world, channel)
    assert failed.response.content.startswith(f"I could not post in {channel.mention}")
    take_user_errors(env)
    assert await challenge_count(env) == 0
    assert channel.threads == [] and channel.history() == []


async def test_a_long_description_is_cut_on_the_post_and_complete_in_the_thread(world):
    env, guild, general, officer, *_ = world
    channel = guild.create_text_channel("uitdagingen")
    paragraphs = [
        f"Alinea {i}: " + "bewoners, ondernemers en de gemeente werken samen aan een schone haven. " * 4
        for i in range(7)
    ]
    long = "\n\n".join(paragraphs)[:2000]
    await post(world, channel, description=long, title="T" * 100, owner="O" * 100, deadline="2027-01-31")
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
    [challenge] = await stored(env)
    assert challenge.description.split() == long.split() and len(challenge.description) > 1900


async def test_a_challenge_linked_to_a_hackathon_shows_it_and_refreshes_its_announcement(world, clock, monkeypatch):
    env, guild, general, officer, anouk, *_ = world
    refreshed: list[int] = []

    async def refresh_announcement(bot, event_id):
        refreshed.append(event_id)

    # The bot loaded the events extension as its own module object: patch that one.
    monkeypatch.setattr(sys.modules["cogs.events"], "refresh_announcement", refresh_announcement, raising=False)
    hackathon = await add_event(env, guild.id, clock)
    meetup = await add_event(env, guild.id, clock, kind="meetup", title="Borrel")
    started = await add_event(env, guild.id, clock, days=-1, title="Vorige hackathon")
    choices = await officer.autocomplete(general, "challenge post", "event", "hack")
    assert choices == [
        {"name": f"Hack de Haven · {(clock.now + timedelta(days=14)).date().isoformat()}", "value": hackathon}
    ]

    await officer.slash(general, "challenge setup", channel=guild.create_forum_channel("uitdagingen"))
    for event_id, message in (
        (meetup, "“Borrel” is not a hackathon; challenges can only be linked to hackathons."),
        (started, "“Vorige hackathon” has started already or is cancelled; choose an upcoming hackathon."),
    ):
        refused = await officer.slash(general, "challenge post", title="X", skills="subsidies", event=event_id)
        assert refused.modal is None and refused.response.content == message
    take_user_errors(env)

    await post(world, guild.channels["uitdagingen"], event=hackathon)
    [challenge] = await stored(env)
    assert challenge.event_id == hackathon
    starter = guild.channels["uitdagingen"].threads[0].history()[0]
    assert field(starter, "Hackathon").startswith("**Hack de Haven**, <t:")
    await officer.slash(general, "challenge status", id=1, status="closed")
    assert refreshed == [hackathon, hackathon]

    listed = await anouk.slash(general, "challenge list", status="closed")
    assert "**Hack de Haven**" in listed.response.embeds[0].fields[0].value


async def test_dutch_members_get_dutch_replies_and_nobody_is_pinged(world):
    env, guild, general, officer, anouk, *_ = world
    with member_locales({officer.id: "nl", anouk.id: "nl"}):
        forum = guild.create_forum_channel("uitdagingen")
        done = await post(world, forum)
        assert done.response.content.startswith("Uitdaging #1 “Schone Piushaven” is geplaatst:")
        assert done.response.embeds[0].title == "Leden wier aanbod past bij “Schone Piushaven”"
        assert (
            "Biedt “subsidies aanvragen” aan voor de vaardigheid “subsidieaanvraag schrijven”."
            in done.response.embeds[0].fields[0].value
        )
        invited = await officer.click(done.response, label="Uitnodigen (1)")
        assert invited.response.content == "Ik heb Anouk de Vries via een DM uitgenodigd."
        joined = await anouk.slash(general, "challenge join", id=1)
        assert joined.response.content.startswith("Je doet mee in het team van “Schone Piushaven”.")
        moved = await officer.slash(general, "challenge status", id=1, status="team_formed")
        assert (
            moved.response.content
            == "“Schone Piushaven” is nu **Team gevormd**. Ik heb het in de thread van de uitdaging gemeld."
        )
        shown = await anouk.slash(general, "challenge list")
        assert shown.response.embeds[0].title == "Uitdagingen (1)"
    assert pings_nobody(env)
    assert "@everyone" not in str([r.json for r in env.http_requests])
    assert isinstance(anouk.user.dm_channel.last_message.embeds[0], discord.Embed)


async def test_the_hackathon_announcement_lists_its_challenges(world, clock):
    """The contract with events: after linking, the real announcement lists the challenge (and drops it when closed)."""
    env, guild, general, officer, *_ = world
    if getattr(sys.modules.get("cogs.events"), "refresh_announcement", None) is None:
        pytest.skip("the events feature does not provide refresh_announcement")
    events_channel = guild.create_text_channel("agenda")
    hackathon = await add_event(env, guild.id, clock)
    async with env.bot.db.session() as session:
        from bot.services import guilds

        settings = await guilds.get_settings(session, guild.id)
        settings.events_channel_id = events_channel.id
        session.add(settings)
    await post(world, guild.create_forum_channel("uitdagingen"), event=hackathon)

    def listed() -> str:
        announcement = events_channel.history()[-1]
        return " ".join(f.value for f in announcement.embeds[0].fields)

    assert "#1 Schone Piushaven" in listed()
    await officer.slash(general, "challenge status", id=1, status="closed")
    assert "Schone Piushaven" not in listed()


async def test_setup_refuses_a_channel_the_bot_cannot_post_in(world):
    env, guild, general, officer, *_ = world
    bot_member = guild.me
    closed = guild.create_text_channel(
        "dicht", overwrites={bot_member: discord.PermissionOverwrite(create_public_threads=False)}
    )
    refused = await officer.slash(general, "challenge setup", channel=closed)
    assert refused.response.content.startswith(f"I may not post challenges in {closed.mention}")
    take_user_errors(env)
    shown = await officer.slash(general, "challenge post", title="Schone Piushaven", skills="subsidies")
    assert shown.response.content.startswith("There is no challenges channel yet.")
    take_user_errors(env)
