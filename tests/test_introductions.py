"""/match, consent-first introductions and member controls, driven through SimCord."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
import pytest
from sqlalchemy import func, select

from bot.services import intros, profiles
from bot.simulation import member_locales
from models import Introduction, IntroStatus, ItemKind
from tests.sim import (
    over_discord_limits,
    restart,
    run_scheduled,
    sent_messages,
    synced_guild,
    take_user_errors,
)


@dataclass
class World:
    env: Any
    guild: Any
    general: Any
    intros_channel: Any
    officer: Any
    anouk: Any
    bram: Any
    carol: Any


@pytest.fixture
async def world(simcord_env) -> World:
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    intros_channel = guild.create_text_channel("kennismaken")
    officers = guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("officer", global_name="Innovation Officer"), roles=[officers])
    anouk = guild.add_member(env.create_user("anouk", global_name="Anouk de Vries"))
    bram = guild.add_member(env.create_user("bram", global_name="Bram Janssen"))
    carol = guild.add_member(env.create_user("carol", global_name="Carol Peeters"))
    await officer.slash(general, "intro setup", channel=intros_channel)
    await anouk.slash(general, "need add", text="subsidieaanvraag schrijven")
    await anouk.slash(general, "offer add", text="contacten binnen de gemeente")
    await bram.slash(general, "offer add", text="subsidies aanvragen")
    await bram.slash(general, "need add", text="werkruimte voor reparaties")
    await carol.slash(general, "offer add", text="fietsen repareren")
    for member in (anouk, bram):
        await member.slash(general, "intro join")
    return World(env, guild, general, intros_channel, officer, anouk, bram, carol)


async def statuses(env) -> list[str]:
    async with env.bot.db.session() as session:
        return list((await session.execute(select(Introduction.status).order_by(Introduction.id))).scalars())


async def introduce(w: World, asker, target_name: str):
    shown = await asker.slash(w.general, "match")
    message = shown.response
    fields = [f.name for f in message.embeds[0].fields]
    number = next(i for i, name in enumerate(fields, start=1) if target_name in name)
    return await asker.click(message, label=f"Introduce us ({number})")


def proposal(user):
    """The last proposal the bot sent this user by DM."""
    return user.user.dm_channel.last_message


async def test_match_shows_a_fitting_member_with_a_reason(world):
    w = world
    result = await w.anouk.slash(w.general, "match")
    assert result.ephemeral
    message = result.response
    assert message.ephemeral
    embed = message.embeds[0]
    assert embed.title == "Members you could meet"
    assert [f.name for f in embed.fields] == ["1. Bram Janssen"]
    assert "You need “subsidieaanvraag schrijven”: Bram Janssen offers “subsidies aanvragen”." in embed.fields[0].value
    # A label a member can read, not a raw number.
    first_line = embed.fields[0].value.splitlines()[0]
    assert first_line.endswith((" · strong match", " · possible match")) and "/100" not in embed.fields[0].value
    labels = [c["label"] for row in message.components for c in row["components"]]
    assert labels == ["Introduce us (1)"]


async def test_members_who_did_not_join_are_never_suggested(world):
    w = world
    await w.carol.slash(w.general, "need add", text="contacten bij de gemeente")
    result = await w.carol.slash(w.general, "match")
    # Anouk offers what Carol needs and joined; Carol herself did not join, but may look.
    assert "Anouk de Vries" in result.response.embeds[0].fields[0].name
    shown = await w.bram.slash(w.general, "match")
    assert all("Carol" not in f.name for f in shown.response.embeds[0].fields)


async def test_both_accept_opens_a_private_thread_with_both(world):
    w = world
    requested = await introduce(w, w.anouk, "Bram")
    assert requested.response.content.startswith("I have asked both of you.")

    for member, other in ((w.anouk, "Bram Janssen"), (w.bram, "Anouk de Vries")):
        asked = proposal(member)
        assert asked.embeds[0].title == "An introduction for you"
        assert other in asked.embeds[0].description
        assert "subsidieaanvraag schrijven" in asked.embeds[0].fields[0].value
    assert w.intros_channel.threads == []

    first = await w.anouk.user.click(proposal(w.anouk), label="Accept")
    assert "As soon as Bram Janssen also says yes" in first.response.content
    assert w.intros_channel.threads == []
    second = await w.bram.user.click(proposal(w.bram), label="Accept")
    assert "I have opened a private thread" in second.response.content

    [thread] = w.intros_channel.threads
    opened = thread.last_message
    assert w.anouk.mention in opened.content and w.bram.mention in opened.content
    assert "subsidies aanvragen" in opened.content
    members = {m.id for m in w.env.bot.get_channel(thread.id).members}
    assert {w.anouk.id, w.bram.id} <= members
    assert await statuses(w.env) == [IntroStatus.CONNECTED]
    # The thread pings exactly the two of them, nobody else.
    sent = [r for r in w.env.http_requests if r.method == "POST" and r.path == f"/channels/{thread.id}/messages"]
    mentions = sent[-1].json["allowed_mentions"]
    assert mentions["parse"] == [] and sorted(map(int, mentions["users"])) == sorted([w.anouk.id, w.bram.id])


async def test_a_decline_opens_nothing_and_is_never_told(world):
    w = world
    await introduce(w, w.anouk, "Bram")
    declined = await w.bram.user.click(proposal(w.bram), label="No thanks")
    assert declined.response.content == "Understood, no introduction to Anouk de Vries. They will not be told."
    accepted = await w.anouk.user.click(proposal(w.anouk), label="Accept")
    assert "As soon as Bram Janssen also says yes" in accepted.response.content
    assert w.intros_channel.threads == []
    assert await statuses(w.env) == [IntroStatus.DECLINED]
    assert "declin" not in (w.anouk.user.dm_channel.last_message.content or "").lower()


async def test_pending_proposals_expire_after_seven_days(world, clock):
    w = world
    await introduce(w, w.anouk, "Bram")
    clock.advance(days=6, hours=23)
    await run_scheduled(w.env)
    assert await statuses(w.env) == [IntroStatus.PENDING]
    clock.advance(hours=1)
    await run_scheduled(w.env)
    assert await statuses(w.env) == [IntroStatus.EXPIRED]
    late = await w.bram.user.click(proposal(w.bram), label="Accept")
    assert late.response.content.startswith("This proposal has expired.")
    assert w.intros_channel.threads == []


async def test_buttons_still_work_after_a_restart(world, settings, clock):
    w = world
    await introduce(w, w.anouk, "Bram")
    await w.anouk.user.click(proposal(w.anouk), label="Accept")
    await restart(w.env, settings, clock)
    after = await w.bram.user.click(proposal(w.bram), label="Accept")
    assert "I have opened a private thread" in after.response.content
    assert len(w.intros_channel.threads) == 1


async def test_pause_and_leave_exclude_a_member(world, clock):
    w = world
    paused = await w.bram.slash(w.general, "intro pause", weeks=2)
    assert paused.response.content.startswith("Introductions are paused until <t:")
    none = await w.anouk.slash(w.general, "match")
    assert none.response.content.startswith("No suggestions right now.")

    clock.advance(weeks=2)
    back = await w.anouk.slash(w.general, "match")
    assert back.response.embeds[0].fields[0].name == "1. Bram Janssen"

    left = await w.bram.slash(w.general, "intro leave")
    assert left.response.content.startswith("You left introductions.")
    gone = await w.anouk.slash(w.general, "match")
    assert gone.response.content.startswith("No suggestions right now.")
    status = await w.bram.slash(w.general, "intro status")
    assert status.response.content.startswith("You do not receive introductions.")


async def test_asking_without_joining_or_pausing_badly_is_refused(world):
    w = world
    for weeks in (0, 13):
        bad = await w.bram.slash(w.general, "intro pause", weeks=weeks)
        assert bad.ephemeral and bad.response.content == "Pause for 1 to 12 weeks."
    await w.carol.slash(w.general, "need add", text="contacten bij de gemeente")
    refused = await introduce(w, w.carol, "Anouk")
    assert refused.response.content.startswith("You have not joined introductions.")
    assert await statuses(w.env) == []
    # Command errors reach the error handler; button errors are answered by the button itself.
    assert [e.key for e in take_user_errors(w.env)] == ["intro.bad_pause", "intro.bad_pause"]


async def test_closed_dms_fall_back_to_a_private_thread(world):
    w = world
    dm = w.env.backend.get_dm_channel(w.bram.id)
    w.env.inject_error(
        "POST", f"/channels/{dm.id}/messages", status=403, code=50007, message="Cannot send messages to this user"
    )
    await introduce(w, w.anouk, "Bram")
    assert proposal(w.anouk).embeds[0].title == "An introduction for you"
    [thread] = w.intros_channel.threads
    asked = thread.last_message
    assert w.bram.mention in asked.content and asked.embeds[0].title == "An introduction for you"
    assert {m.id for m in w.env.bot.get_channel(thread.id).members} >= {w.bram.id}
    assert w.anouk.id not in {m.id for m in w.env.bot.get_channel(thread.id).members}
    clicked = await w.bram.click(asked, label="Accept")
    assert "As soon as Anouk de Vries also says yes" in clicked.response.content


async def test_moderator_setup_is_checked_when_it_runs(world):
    w = world
    command = w.env.backend.find_command("intro", w.guild.id)
    # A server admin opens the command to everyone in the integration settings.
    w.guild.set_command_permissions(int(command["id"]), {w.guild.default_role: True})
    refused = await w.anouk.slash(w.general, "intro setup", channel=w.general)
    assert refused.ephemeral and refused.response.content == "You are not allowed to do that here."
    take_user_errors(w.env)
    async with w.env.bot.db.session() as session:
        from bot.services import guilds

        settings = await guilds.get_settings(session, w.guild.id)
    assert settings.intro_channel_id == w.intros_channel.id

    bad = await w.officer.slash(w.general, "intro setup", channel=w.intros_channel, time="25:99")
    assert bad.response.content == "“25:99” is not a time. Use hours and minutes, e.g. 09:00."
    take_user_errors(w.env)
    good = await w.officer.slash(w.general, "intro setup", channel=w.intros_channel, day=2, time="14:30", per_member=2)
    assert "every Wednesday at 14:30 (up to 2 per member)" in good.response.content


async def test_follow_up_a_week_after_connecting(world, clock):
    w = world
    await introduce(w, w.anouk, "Bram")
    await w.anouk.user.click(proposal(w.anouk), label="Accept")
    await w.bram.user.click(proposal(w.bram), label="Accept")
    clock.advance(days=7)
    await run_scheduled(w.env)
    question = w.anouk.user.dm_channel.last_message
    assert question.content == "A week ago you were introduced to Bram Janssen. Did you meet?"
    await run_scheduled(w.env)
    assert w.anouk.user.dm_channel.last_message.id == question.id  # asked once

    shown = await w.anouk.user.click(question, label="Yes")
    assert shown.modal is not None
    saved = await w.anouk.user.submit_modal(shown, {"outcome": "We plannen samen een reparatiedag"})
    assert saved.response.content.startswith("Thank you for sharing!")
    later = await w.bram.user.click(w.bram.user.dm_channel.last_message, label="Not yet")
    assert later.response.content.startswith("Thanks! There is still time")

    async with w.env.bot.db.session() as session:
        from models import IntroParty

        rows = (await session.execute(select(IntroParty.user_id, IntroParty.met, IntroParty.outcome))).all()
    assert {(u, m, o) for u, m, o in rows} == {
        (w.anouk.id, "yes", "We plannen samen een reparatiedag"),
        (w.bram.id, "not_yet", None),
    }
    assert pings_nobody_but_threads(w.env)


def pings_nobody_but_threads(env) -> bool:
    """Only connection threads and closed-DM fallbacks name people; nothing pings everyone or roles."""
    for request in env.http_requests:
        body = request.json if isinstance(request.json, dict) else None
        if not body or request.method not in ("POST", "PATCH"):
            continue
        data = body.get("data") if isinstance(body.get("data"), dict) else body
        if "content" in data or "embeds" in data:
            mentions = data.get("allowed_mentions")
            if mentions is None or mentions.get("parse") != [] or mentions.get("roles"):
                return False
    return True


async def test_a_pair_is_not_proposed_twice(world):
    w = world
    shown = await w.anouk.slash(w.general, "match")
    first = await w.anouk.click(shown.response, label="Introduce us (1)")
    assert first.response.content.startswith("I have asked both of you.")
    # The same button again, and /match afterwards: the pair was introduced recently.
    again = await w.anouk.click(shown.response, label="Introduce us (1)")
    assert again.ephemeral
    assert again.response.content == "You two were introduced recently; I will not propose it again yet."
    later = await w.anouk.slash(w.general, "match")
    assert later.response.content.startswith("No suggestions right now.")
    async with w.env.bot.db.session() as session:
        count = (await session.execute(select(func.count()).select_from(Introduction))).scalar_one()
    assert count == 1


async def test_a_member_who_left_gets_the_follow_up_in_the_thread_not_by_dm(world, clock):
    w = world
    await introduce(w, w.anouk, "Bram")
    await w.anouk.user.click(proposal(w.anouk), label="Accept")
    await w.bram.user.click(proposal(w.bram), label="Accept")
    await w.bram.slash(w.general, "intro leave")
    dms_before = len(w.bram.user.dm_channel.history())
    clock.advance(days=7)
    await run_scheduled(w.env)
    assert len(w.bram.user.dm_channel.history()) == dms_before
    [thread] = w.intros_channel.threads
    asked = thread.last_message
    assert asked.content == f"{w.bram.mention} A week ago you were introduced to Anouk de Vries. Did you meet?"
    answered = await w.bram.click(asked, label="No")
    assert answered.ephemeral  # the thread is shared: Anouk does not see Bram's answer
    assert answered.response.content.startswith("Thanks for letting me know.")
    assert thread.last_message.content == asked.content


def exactly(length: int, pattern: str) -> str:
    return (pattern * (length // len(pattern) + 1))[: length - 1] + "."


def long_need(number: int) -> str:
    # As long as the services allow; "@here" grows when it is made inert.
    return exactly(profiles.ITEM_MAX, f"subsidieaanvraag schrijven {number:02d} @here voor een buurtproject ")


async def test_match_and_status_stay_within_discords_limits(world, clock):
    """Five suggestions, each with long names, organisations and several long reasons."""
    w = world
    guild_id = w.guild.id
    others = [w.guild.add_member(w.env.create_user(f"partner{i}")) for i in range(5)]
    async with w.env.bot.db.session() as session:
        for number in range(profiles.ITEMS_PER_KIND):
            await profiles.add_item(session, guild_id, w.carol.id, ItemKind.NEED, long_need(number))
        for i, other in enumerate(others):
            name = exactly(profiles.FIELD_MAX, f"Partner {i} van de Stichting Sociale Innovatie @here ")
            organisation = exactly(profiles.FIELD_MAX, f"Coöperatie {i} Midden-Brabant @here ")
            for number in range(profiles.ITEMS_PER_KIND):
                await profiles.add_item(session, guild_id, other.id, ItemKind.OFFER, long_need(number), name=name)
            await profiles.set_profile(session, guild_id, other.id, sector="company", organisation=organisation)
            await intros.join(session, guild_id, other.id, chance=False, name=name, locale="en")

    shown = await w.carol.slash(w.general, "match")
    embed = shown.response.embeds[0]
    assert len(embed.fields) == 5
    assert all("Coöperatie" in field.value for field in embed.fields)
    # Each suggestion keeps what fits and says how many reasons it leaves out.
    assert all("subsidieaanvraag schrijven" in field.value for field in embed.fields)
    assert any("… and " in field.value for field in embed.fields)

    await w.carol.slash(w.general, "intro join", chance_meetings=True)
    await w.carol.slash(w.general, "intro pause", weeks=12)
    status = await w.carol.slash(w.general, "intro status")
    assert status.response.content.startswith("Your introductions are paused until <t:")
    await w.carol.slash(w.general, "intro pause", weeks=1)
    clock.advance(weeks=1)

    # The proposals and the connection thread carry the same long reasons.
    requested = await w.carol.click(shown.response, label="Introduce us (1)")
    assert requested.response.content.startswith("I have asked both of you.")
    for member in (w.carol, others[0]):
        await member.user.click(proposal(member), label="Accept")
    [thread] = w.intros_channel.threads
    assert "subsidieaanvraag schrijven" in thread.last_message.content

    messages = sent_messages(w.env)
    assert [problem for m in messages for problem in over_discord_limits(m)] == []
    assert take_user_errors(w.env) == []


async def test_an_answer_that_was_stored_is_never_called_unchanged(world):
    w = world
    await introduce(w, w.anouk, "Bram")
    # Replacing the buttons with the answer fails once; the answer is stored already.
    w.env.inject_error("POST", "/interactions/*/callback", status=500)
    failed = await w.bram.user.click(proposal(w.bram), label="Accept")
    assert failed.response.content.startswith("Your change was saved, but something went wrong on my side")
    again = await w.bram.user.click(proposal(w.bram), label="Accept")
    assert again.response.content == "You already answered this proposal."
    assert take_user_errors(w.env) == []  # buttons answer their own errors; nothing unexpected escaped


async def test_a_members_language_is_remembered_from_the_first_interaction(world):
    """Before any profile: a later DM without an interaction (here a proposal) finds the member's language."""
    w = world
    dutch = w.guild.add_member(w.env.create_user("daan", global_name="Daan Smit"))
    with member_locales({dutch.id: "nl"}):
        status = await dutch.slash(w.general, "intro status")
        assert status.response.content.startswith("Je ontvangt geen kennismakingen.")
        async with w.env.bot.db.session() as session:
            member = await profiles.get_member(session, w.guild.id, dutch.id)
            assert member is not None and member.locale == "nl" and member.name == "Daan Smit"
            assert await profiles.get_profile(session, w.guild.id, dutch.id) is None
        await dutch.slash(w.general, "offer add", text="subsidieaanvragen schrijven")
        await dutch.slash(w.general, "intro join")
    # Anouk (an English client) asks; Daan is asked by DM in Dutch.
    await introduce(w, w.anouk, "Daan")
    assert proposal(dutch).embeds[0].title == "Een kennismaking voor jou"
    assert proposal(w.anouk).embeds[0].title == "An introduction for you"
