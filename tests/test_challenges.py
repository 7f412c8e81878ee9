"""/challenge through SimCord: posting, skill fit and invitations, teams, statuses, restarts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
import pytest
from sqlalchemy import func, select

from models import Challenge, ChallengeInvite, ChallengeMember
from tests.sim import restart, synced_guild, take_user_errors

DESCRIPTION = "Zwerfafval in de Piushaven: wie helpt een buurtaanpak op te zetten met bewoners en ondernemers?"


@dataclass
class World:
    env: Any
    guild: Any
    general: Any
    officer: Any
    anouk: Any
    bram: Any
    carol: Any


async def make_world(env) -> World:
    """A server with a moderator, two members who joined introductions and one who did not."""
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    officers = guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("officer", global_name="Innovation Officer"), roles=[officers])
    anouk = guild.add_member(env.create_user("anouk", global_name="Anouk de Vries"))
    bram = guild.add_member(env.create_user("bram", global_name="Bram Janssen"))
    carol = guild.add_member(env.create_user("carol", global_name="Carol Peeters"))
    await anouk.slash(general, "offer add", text="subsidies aanvragen")
    await bram.slash(general, "offer add", text="fietsen repareren")
    # Carol offers what fits too, but never joined introductions: she is never proposed or pinged.
    await carol.slash(general, "offer add", text="subsidieaanvragen schrijven")
    for member in (anouk, bram):
        await member.slash(general, "intro join")
    return World(env, guild, general, officer, anouk, bram, carol)


@pytest.fixture
async def world(simcord_env) -> World:
    return await make_world(simcord_env)


async def post(
    w: World,
    channel,
    *,
    title="Schone Piushaven",
    skills="subsidieaanvraag schrijven, communicatie",
    description=DESCRIPTION,
    **options,
):
    await w.officer.slash(w.general, "challenge setup", channel=channel)
    shown = await w.officer.slash(w.general, "challenge post", title=title, skills=skills, **options)
    assert shown.modal is not None, shown
    return await w.officer.submit_modal(shown, {"description": description})


async def rows(env, model) -> int:
    async with env.bot.db.session() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def stored(env) -> list[Challenge]:
    async with env.bot.db.session() as session:
        return list((await session.execute(select(Challenge).order_by(Challenge.id))).scalars())


async def team(env, challenge_id: int = 1) -> list[int]:
    async with env.bot.db.session() as session:
        found = await session.execute(
            select(ChallengeMember.user_id)
            .where(ChallengeMember.challenge_id == challenge_id)
            .order_by(ChallengeMember.id)
        )
        return list(found.scalars())


def field(message, name: str) -> str:
    return next(f.value for f in message.embeds[0].fields if f.name.startswith(name))


def labels(message) -> list[str]:
    return [
        c["label"] if isinstance(c, dict) else c.label
        for row in message.components
        for c in (row["components"] if isinstance(row, dict) else row.children)
    ]


# --- posting -------------------------------------------------------------------------------------


async def test_a_forum_channel_gets_a_forum_post_and_the_moderator_a_private_proposal(world):
    w = world
    forum = w.guild.create_forum_channel("uitdagingen")
    done = await post(w, forum, owner="Gemeente Tilburg", deadline="2026-12-31")

    [thread] = forum.threads
    assert thread.name == "Schone Piushaven"
    starter = thread.history()[0]
    embed = starter.embeds[0]
    assert embed.title == "Schone Piushaven" and embed.description == DESCRIPTION
    assert field(starter, "Gevraagde vaardigheden") == "**subsidieaanvraag schrijven** · **communicatie**"
    assert field(starter, "Eigenaar") == "Gemeente Tilburg"
    assert field(starter, "Deadline").startswith("<t:")
    assert field(starter, "Team (0)").startswith("Nog niemand.")
    assert labels(starter) == ["Meedoen", "Verlaten"]

    [challenge] = await stored(w.env)
    assert (challenge.channel_id, challenge.message_id, challenge.thread_id) == (thread.id, starter.id, thread.id)
    assert challenge.skills == "subsidieaanvraag schrijven|communicatie" and challenge.status == "open"
    assert challenge.deadline.date().isoformat() == "2026-12-31"  # 23:59 in Amsterdam is 22:59 UTC

    # Only the moderator sees who fits, and why: Anouk (joined, fitting offer), not Bram (no fit),
    # not Carol (not joined).
    reply = done.response
    assert done.ephemeral and reply.content.startswith(
        "Posted challenge #1 “Schone Piushaven”: https://discord.com/channels/"
    )
    proposal = reply.embeds[0]
    assert proposal.title == "Members whose offers fit “Schone Piushaven”"
    assert [f.name for f in proposal.fields] == ["1. Anouk de Vries"]
    assert "Offers “subsidies aanvragen” for the skill “subsidieaanvraag schrijven”." in proposal.fields[0].value
    assert labels(reply) == ["Invite (1)"]


async def test_a_text_channel_gets_a_message_with_its_own_thread(world):
    w = world
    channel = w.guild.create_text_channel("uitdagingen")
    await post(w, channel)
    message = channel.history()[0]
    assert message.embeds[0].title == "Schone Piushaven"
    assert labels(message) == ["Meedoen", "Verlaten"]
    [thread] = channel.threads
    assert thread.name == "Schone Piushaven"
    [challenge] = await stored(w.env)
    assert (challenge.channel_id, challenge.message_id, challenge.thread_id) == (channel.id, message.id, thread.id)


async def test_members_are_refused_moderator_commands_and_nothing_changes(world):
    w = world
    forum = w.guild.create_forum_channel("uitdagingen")
    await post(w, forum)
    attempts = (
        ("challenge post", {"title": "Mijn eigen", "skills": "koken"}),
        ("challenge setup", {"channel": w.general}),
        ("challenge status", {"id": 1, "status": "closed"}),
        ("challenge suggest", {"id": 1}),
    )
    for name, options in attempts:
        refused = await w.anouk.slash(w.general, name, **options)
        assert refused.ephemeral and refused.modal is None
        assert refused.response.content == "You are not allowed to do that here."
    assert await w.anouk.autocomplete(w.general, "challenge status", "id", "") == []
    assert await w.anouk.autocomplete(w.general, "challenge post", "event", "") == []
    assert len(take_user_errors(w.env)) == len(attempts)
    [challenge] = await stored(w.env)
    assert challenge.status == "open" and challenge.channel_id == forum.threads[0].id


# --- teams -----------------------------------------------------------------------------------------


async def test_join_and_leave_keep_the_team_list_on_the_post_current(world):
    w = world
    forum = w.guild.create_forum_channel("uitdagingen")
    await post(w, forum)
    [thread] = forum.threads

    def starter():
        return thread.history()[0]

    joined = await w.anouk.click(starter(), label="Meedoen")
    assert joined.ephemeral and joined.response.content.startswith("You joined the team of “Schone Piushaven”.")
    by_command = await w.bram.slash(w.general, "challenge join", id=1)
    assert by_command.response.content.startswith("You joined the team")
    assert field(starter(), "Team (2)") == f"{w.anouk.mention}, {w.bram.mention}"
    assert await team(w.env) == [w.anouk.id, w.bram.id]
    assert {w.anouk.id, w.bram.id} <= {m.id for m in w.env.bot.get_channel(thread.id).members}

    again = await w.anouk.click(starter(), label="Meedoen")
    assert again.response.content == "You are on the team of “Schone Piushaven” already."
    left = await w.anouk.click(starter(), label="Verlaten")
    assert left.response.content == "You left the team of “Schone Piushaven”."
    assert field(starter(), "Team (1)") == w.bram.mention
    not_on = await w.anouk.slash(w.general, "challenge leave", id=1)
    assert not_on.response.content == "You are not on the team of “Schone Piushaven”."
    assert await team(w.env) == [w.bram.id]
    assert [e.key for e in take_user_errors(w.env)] == ["challenge.not_joined"]

    choices = await w.anouk.autocomplete(w.general, "challenge join", "id", "pius")
    assert choices == [{"name": "#1 Schone Piushaven", "value": 1}]


async def test_status_moves_forward_is_announced_and_finishing_removes_the_buttons(world):
    w = world
    channel = w.guild.create_text_channel("uitdagingen")
    await post(w, channel)
    [thread] = channel.threads
    await w.anouk.click(channel.history()[0], label="Meedoen")

    for value, label in (("team_formed", "Team formed"), ("in_progress", "In progress"), ("done", "Done")):
        changed = await w.officer.slash(w.general, "challenge status", id=1, status=value)
        assert changed.ephemeral
        assert (
            changed.response.content
            == f"“Schone Piushaven” is now **{label}**. I announced it in the challenge thread."
        )
    announced = [m.content for m in thread.history()]
    assert announced[0] == f"Status: **Open** → **Team gevormd** (door {w.officer.mention})."
    assert announced[1] == f"Status: **Team gevormd** → **Bezig** (door {w.officer.mention})."
    assert announced[2].startswith(f"Status: **Bezig** → **Afgerond** (door {w.officer.mention}).")
    message = channel.history()[0]
    assert field(message, "Status") == "Afgerond" and field(message, "Team (1)") == w.anouk.mention
    assert message.components == []
    late = await w.officer.slash(w.general, "challenge join", id=1)
    assert late.response.content == "“Schone Piushaven” is finished; its team does not change any more."
    take_user_errors(w.env)


@pytest.mark.parametrize(
    ("steps", "wanted", "message"),
    [
        ((), "in_progress", "“Schone Piushaven” is open: next it can become “team formed”, or be closed."),
        (("team_formed",), "open", "“Schone Piushaven” has its team: next it can become “in progress”, or be closed."),
        (("team_formed",), "done", "“Schone Piushaven” has its team: next it can become “in progress”, or be closed."),
        (("closed",), "open", "“Schone Piushaven” is closed; its status does not change any more."),
        ((), "open", "“Schone Piushaven” has this status already."),
    ],
)
async def test_status_out_of_order_is_refused_and_nothing_changes(world, steps, wanted, message):
    w = world
    channel = w.guild.create_text_channel("uitdagingen")
    await post(w, channel)
    for step in steps:
        await w.officer.slash(w.general, "challenge status", id=1, status=step)
    [thread] = channel.threads
    before = len(thread.history())
    refused = await w.officer.slash(w.general, "challenge status", id=1, status=wanted)
    assert refused.ephemeral and refused.response.content.startswith(message)
    assert len(take_user_errors(w.env)) == 1
    [challenge] = await stored(w.env)
    assert challenge.status == (steps[-1] if steps else "open")
    assert len(thread.history()) == before


async def test_buttons_work_after_a_restart(world, settings, clock):
    w = world
    forum = w.guild.create_forum_channel("uitdagingen")
    done = await post(w, forum)
    await restart(w.env, settings, clock)
    [thread] = forum.threads
    joined = await w.bram.click(thread.history()[0], label="Meedoen")
    assert joined.response.content.startswith("You joined the team")
    invited = await w.officer.click(done.response, label="Invite (1)")
    assert invited.response.content == "I sent Anouk de Vries an invitation by DM."
    assert await team(w.env) == [w.bram.id]
    assert field(thread.history()[0], "Team (1)") == w.bram.mention


# --- skill fit and invitations ------------------------------------------------------------------------


async def test_an_invitation_by_dm_lets_the_member_join_from_there(world):
    w = world
    forum = w.guild.create_forum_channel("uitdagingen")
    done = await post(w, forum)
    invited = await w.officer.click(done.response, label="Invite (1)")
    assert invited.ephemeral and invited.response.content == "I sent Anouk de Vries an invitation by DM."

    dm = w.anouk.user.dm_channel.history()[0]
    assert dm.embeds[0].title == "An invitation: Schone Piushaven"
    assert "subsidies aanvragen" in dm.embeds[0].fields[0].value
    joined = await w.anouk.user.click(dm, label="Join")
    assert joined.response.content.startswith("You joined the team of “Schone Piushaven”.")
    assert await team(w.env) == [w.anouk.id]

    twice = await w.officer.click(done.response, label="Invite (1)")
    assert twice.response.content == "Anouk de Vries is on the team already."
    assert await rows(w.env, ChallengeInvite) == 1
    take_user_errors(w.env)


async def test_closed_dms_fall_back_to_a_mention_in_the_challenge_thread(world):
    w = world
    channel = w.guild.create_text_channel("uitdagingen")
    done = await post(w, channel)
    dm = w.env.backend.get_dm_channel(w.anouk.id)
    w.env.inject_error(
        "POST", f"/channels/{dm.id}/messages", status=403, code=50007, message="Cannot send messages to this user"
    )
    invited = await w.officer.click(done.response, label="Invite (1)")
    assert (
        invited.response.content
        == "Anouk de Vries does not accept DMs, so I invited them with a mention in the challenge thread."
    )

    [thread] = channel.threads
    mention = thread.last_message
    assert mention.content.startswith(f"{w.anouk.mention}, Innovation Officer invites you to help with this challenge")
    sent = [r for r in w.env.http_requests if r.method == "POST" and r.path == f"/channels/{thread.id}/messages"]
    allowed = sent[-1].json["allowed_mentions"]
    assert allowed["parse"] == [] and [int(u) for u in allowed["users"]] == [w.anouk.id]
    joined = await w.anouk.click(mention, label="Join")
    assert joined.response.content.startswith("You joined the team")
    again = await w.officer.click(done.response, label="Invite (1)")
    assert again.response.content == "Anouk de Vries is on the team already."
    take_user_errors(w.env)


async def test_an_invitation_that_reaches_nobody_is_not_recorded_and_can_be_tried_again(world):
    w = world
    channel = w.guild.create_text_channel("uitdagingen")
    done = await post(w, channel)
    [thread] = channel.threads
    dm = w.env.backend.get_dm_channel(w.anouk.id)
    w.env.inject_error(
        "POST", f"/channels/{dm.id}/messages", status=403, code=50007, message="Cannot send messages to this user"
    )
    w.env.inject_error("POST", f"/channels/{thread.id}/messages", status=403, code=50013, message="Missing Access")
    failed = await w.officer.click(done.response, label="Invite (1)")
    assert failed.ephemeral and failed.response.content.startswith("I could not reach Anouk de Vries")
    assert [e.key for e in take_user_errors(w.env)] == []  # answered by the button itself
    assert await rows(w.env, ChallengeInvite) == 0
    again = await w.officer.click(done.response, label="Invite (1)")
    assert again.response.content == "I sent Anouk de Vries an invitation by DM."
    assert await rows(w.env, ChallengeInvite) == 1


async def test_suggest_follows_the_changing_member_list(world):
    w = world
    await post(w, w.guild.create_text_channel("uitdagingen"))

    async def proposed() -> list[str]:
        shown = await w.officer.slash(w.general, "challenge suggest", id=1)
        assert shown.ephemeral
        return [f.name for f in shown.response.embeds[0].fields] if shown.response.embeds else [shown.response.content]

    assert await proposed() == ["1. Anouk de Vries"]
    await w.bram.slash(w.general, "offer add", text="communicatie en pr")
    assert sorted(await proposed()) == ["1. Anouk de Vries", "2. Bram Janssen"]
    await w.carol.slash(w.general, "intro join")
    assert "Carol Peeters" in " ".join(await proposed())
    await w.anouk.slash(w.general, "challenge join", id=1)
    await w.bram.slash(w.general, "intro leave")
    assert await proposed() == ["1. Carol Peeters"]
    await w.carol.slash(w.general, "intro pause", weeks=2)
    [none] = await proposed()
    assert none.startswith("Nobody who joined introductions offers these skills (yet).")


# --- the list -------------------------------------------------------------------------------------


async def test_list_shows_what_a_member_could_help_with_first(world):
    w = world
    channel = w.guild.create_text_channel("uitdagingen")
    await post(w, channel)
    await post(w, channel, title="Repaircafé Reeshof", skills="fietsreparatie, gastvrijheid")
    await post(w, channel, title="Buurtmoestuin", skills="tuinieren")
    await w.officer.slash(w.general, "challenge status", id=3, status="closed")

    shown = await w.bram.slash(w.general, "challenge list")
    embed = shown.response.embeds[0]
    assert shown.ephemeral and embed.title == "Challenges (2)"
    assert [f.name for f in embed.fields] == ["#2 Repaircafé Reeshof", "#1 Schone Piushaven"]
    assert "Offers “fietsen repareren” for the skill “fietsreparatie”." in embed.fields[0].value
    assert "Fits you" not in embed.fields[1].value

    mine = await w.anouk.slash(w.general, "challenge list")
    assert [f.name for f in mine.response.embeds[0].fields] == ["#1 Schone Piushaven", "#2 Repaircafé Reeshof"]
    closed = await w.anouk.slash(w.general, "challenge list", status="closed")
    assert [f.name for f in closed.response.embeds[0].fields] == ["#3 Buurtmoestuin"]
    by_skill = await w.anouk.slash(w.general, "challenge list", skill="communicatie")
    assert [f.name for f in by_skill.response.embeds[0].fields] == ["#1 Schone Piushaven"]
    nothing = await w.anouk.slash(w.general, "challenge list", skill="kernfysica")
    assert nothing.response.content == (
        "No challenge fits “kernfysica”, but 2 challenges are open: leave out status and skill to see them."
    )
    assert await w.anouk.autocomplete(w.general, "challenge list", "skill", "fiets") == [
        {"name": "fietsreparatie", "value": "fietsreparatie"}
    ]
