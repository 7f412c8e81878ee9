"""/match, consent-first introductions and member controls, driven through SimCord."""

from __future__ import annotations

import discord
import pytest
from sqlalchemy import func, select

from models import Introduction, IntroStatus
from tests.sim import restart, run_scheduled, synced_guild, take_user_errors


@pytest.fixture
async def world(simcord_env):
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
    return env, guild, general, intros_channel, officer, anouk, bram, carol


async def statuses(env) -> list[str]:
    async with env.bot.db.session() as session:
        return list((await session.execute(select(Introduction.status).order_by(Introduction.id))).scalars())


async def introduce(world, asker, target_name: str):
    env, guild, general, *_ = world
    shown = await asker.slash(general, "match")
    message = shown.response
    fields = [f.name for f in message.embeds[0].fields]
    number = next(i for i, name in enumerate(fields, start=1) if target_name in name)
    return await asker.click(message, label=f"Introduce us ({number})")


def proposal(user):
    """The last proposal the bot sent this user by DM."""
    return user.user.dm_channel.last_message


async def test_match_shows_a_fitting_member_with_a_reason(world):
    env, guild, general, _, _, anouk, bram, carol = world
    result = await anouk.slash(general, "match")
    assert result.ephemeral
    message = result.response
    assert message.ephemeral
    embed = message.embeds[0]
    assert embed.title == "Members you could meet"
    assert [f.name for f in embed.fields] == ["1. Bram Janssen"]
    assert "You need “subsidieaanvraag schrijven”: Bram Janssen offers “subsidies aanvragen”." in embed.fields[0].value
    labels = [c["label"] for row in message.components for c in row["components"]]
    assert labels == ["Introduce us (1)"]


async def test_members_who_did_not_join_are_never_suggested(world):
    env, guild, general, _, _, anouk, bram, carol = world
    await carol.slash(general, "need add", text="contacten bij de gemeente")
    result = await carol.slash(general, "match")
    # Anouk offers what Carol needs and joined; Carol herself did not join, but may look.
    assert "Anouk de Vries" in result.response.embeds[0].fields[0].name
    shown = await bram.slash(general, "match")
    assert all("Carol" not in f.name for f in shown.response.embeds[0].fields)


async def test_both_accept_opens_a_private_thread_with_both(world):
    env, guild, general, intros_channel, _, anouk, bram, _ = world
    requested = await introduce(world, anouk, "Bram")
    assert requested.response.content.startswith("I have asked both of you.")

    for member, other in ((anouk, "Bram Janssen"), (bram, "Anouk de Vries")):
        asked = proposal(member)
        assert asked.embeds[0].title == "An introduction for you"
        assert other in asked.embeds[0].description
        assert "subsidieaanvraag schrijven" in asked.embeds[0].fields[0].value
    assert intros_channel.threads == []

    first = await anouk.user.click(proposal(anouk), label="Accept")
    assert "As soon as Bram Janssen also says yes" in first.response.content
    assert intros_channel.threads == []
    second = await bram.user.click(proposal(bram), label="Accept")
    assert "I have opened a private thread" in second.response.content

    [thread] = intros_channel.threads
    opened = thread.last_message
    assert anouk.mention in opened.content and bram.mention in opened.content
    assert "subsidies aanvragen" in opened.content
    members = {m.id for m in env.bot.get_channel(thread.id).members}
    assert {anouk.id, bram.id} <= members
    assert await statuses(env) == [IntroStatus.CONNECTED]
    # The thread pings exactly the two of them, nobody else.
    sent = [r for r in env.http_requests if r.method == "POST" and r.path == f"/channels/{thread.id}/messages"]
    mentions = sent[-1].json["allowed_mentions"]
    assert mentions["parse"] == [] and sorted(map(int, mentions["users"])) == sorted([anouk.id, bram.id])


async def test_a_decline_opens_nothing_and_is_never_told(world):
    env, guild, general, intros_channel, _, anouk, bram, _ = world
    await introduce(world, anouk, "Bram")
    declined = await bram.user.click(proposal(bram), label="No thanks")
    assert declined.response.content == "Understood, no introduction to Anouk de Vries. They will not be told."
    accepted = await anouk.user.click(proposal(anouk), label="Accept")
    assert "As soon as Bram Janssen also says yes" in accepted.response.content
    assert intros_channel.threads == []
    assert await statuses(env) == [IntroStatus.DECLINED]
    assert "declin" not in (anouk.user.dm_channel.last_message.content or "").lower()


async def test_pending_proposals_expire_after_seven_days(world, clock):
    env, guild, general, intros_channel, _, anouk, bram, _ = world
    await introduce(world, anouk, "Bram")
    clock.advance(days=6, hours=23)
    await run_scheduled(env)
    assert await statuses(env) == [IntroStatus.PENDING]
    clock.advance(hours=1)
    await run_scheduled(env)
    assert await statuses(env) == [IntroStatus.EXPIRED]
    late = await bram.user.click(proposal(bram), label="Accept")
    assert late.response.content.startswith("This proposal has expired.")
    assert intros_channel.threads == []


async def test_buttons_still_work_after_a_restart(world, settings, clock):
    env, guild, general, intros_channel, _, anouk, bram, _ = world
    await introduce(world, anouk, "Bram")
    await anouk.user.click(proposal(anouk), label="Accept")
    await restart(env, settings, clock)
    after = await bram.user.click(proposal(bram), label="Accept")
    assert "I have opened a private thread" in after.response.content
    assert len(intros_channel.threads) == 1


async def test_pause_and_leave_exclude_a_member(world, clock):
    env, guild, general, _, _, anouk, bram, _ = world
    paused = await bram.slash(general, "intro pause", weeks=2)
    assert paused.response.content.startswith("Introductions are paused until <t:")
    none = await anouk.slash(general, "match")
    assert none.response.content.startswith("No suggestions right now.")

    clock.advance(weeks=2)
    back = await anouk.slash(general, "match")
    assert back.response.embeds[0].fields[0].name == "1. Bram Janssen"

    left = await bram.slash(general, "intro leave")
    assert left.response.content.startswith("You left introductions.")
    gone = await anouk.slash(general, "match")
    assert gone.response.content.startswith("No suggestions right now.")
    status = await bram.slash(general, "intro status")
    assert status.response.content.startswith("You do not receive introductions.")


async def test_asking_without_joining_or_pausing_badly_is_refused(world):
    env, guild, general, _, _, anouk, bram, carol = world
    for weeks in (0, 13):
        bad = await bram.slash(general, "intro pause", weeks=weeks)
        assert bad.ephemeral and bad.response.content == "Pause for 1 to 12 weeks."
    await carol.slash(general, "need add", text="contacten bij de gemeente")
    refused = await introduce(world, carol, "Anouk")
    assert refused.response.content.startswith("You have not joined introductions.")
    assert await statuses(env) == []
    # Command errors reach the error handler; button errors are answered by the button itself.
    assert [e.key for e in take_user_errors(env)] == ["intro.bad_pause", "intro.bad_pause"]


async def test_closed_dms_fall_back_to_a_private_thread(world):
    env, guild, general, intros_channel, _, anouk, bram, _ = world
    dm = env.backend.get_dm_channel(bram.id)
    env.inject_error(
        "POST", f"/channels/{dm.id}/messages", status=403, code=50007, message="Cannot send messages to this user"
    )
    await introduce(world, anouk, "Bram")
    assert proposal(anouk).embeds[0].title == "An introduction for you"
    [thread] = intros_channel.threads
    asked = thread.last_message
    assert bram.mention in asked.content and asked.embeds[0].title == "An introduction for you"
    assert {m.id for m in env.bot.get_channel(thread.id).members} >= {bram.id}
    assert anouk.id not in {m.id for m in env.bot.get_channel(thread.id).members}
    clicked = await bram.click(asked, label="Accept")
    assert "As soon as Anouk de Vries also says yes" in clicked.response.content


async def test_moderator_setup_is_checked_when_it_runs(world):
    env, guild, general, intros_channel, officer, anouk, *_ = world
    command = env.backend.find_command("intro", guild.id)
    # A server admin opens the command to everyone in the integration settings.
    guild.set_command_permissions(int(command["id"]), {guild.default_role: True})
    refused = await anouk.slash(general, "intro setup", channel=general)
    assert refused.ephemeral and refused.response.content == "You are not allowed to do that here."
    take_user_errors(env)
    async with env.bot.db.session() as session:
        from bot.services import guilds

        settings = await guilds.get_settings(session, guild.id)
    assert settings.intro_channel_id == intros_channel.id

    bad = await officer.slash(general, "intro setup", channel=intros_channel, time="25:99")
    assert bad.response.content == "“25:99” is not a time. Use hours and minutes, e.g. 09:00."
    take_user_errors(env)
    good = await officer.slash(general, "intro setup", channel=intros_channel, day=2, time="14:30", per_member=2)
    assert "every Wednesday at 14:30 (up to 2 per member)" in good.response.content


async def test_follow_up_a_week_after_connecting(world, clock):
    env, guild, general, intros_channel, _, anouk, bram, _ = world
    await introduce(world, anouk, "Bram")
    await anouk.user.click(proposal(anouk), label="Accept")
    await bram.user.click(proposal(bram), label="Accept")
    clock.advance(days=7)
    await run_scheduled(env)
    question = anouk.user.dm_channel.last_message
    assert question.content == "A week ago you were introduced to Bram Janssen. Did you meet?"
    await run_scheduled(env)
    assert anouk.user.dm_channel.last_message.id == question.id  # asked once

    shown = await anouk.user.click(question, label="Yes")
    assert shown.modal is not None
    saved = await anouk.user.submit_modal(shown, {"outcome": "We plannen samen een reparatiedag"})
    assert saved.response.content.startswith("Thank you for sharing!")
    later = await bram.user.click(bram.user.dm_channel.last_message, label="Not yet")
    assert later.response.content.startswith("Thanks! There is still time")

    async with env.bot.db.session() as session:
        from models import IntroParty

        rows = (await session.execute(select(IntroParty.user_id, IntroParty.met, IntroParty.outcome))).all()
    assert {(u, m, o) for u, m, o in rows} == {
        (anouk.id, "yes", "We plannen samen een reparatiedag"),
        (bram.id, "not_yet", None),
    }
    assert pings_nobody_but_threads(env)


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
    env, guild, general, *_ = world
    anouk = world[5]
    shown = await anouk.slash(general, "match")
    first = await anouk.click(shown.response, label="Introduce us (1)")
    assert first.response.content.startswith("I have asked both of you.")
    # The same button again, and /match afterwards: the pair was introduced recently.
    again = await anouk.click(shown.response, label="Introduce us (1)")
    assert again.ephemeral
    assert again.response.content == "You two were introduced recently; I will not propose it again yet."
    later = await anouk.slash(general, "match")
    assert later.response.content.startswith("No suggestions right now.")
    async with env.bot.db.session() as session:
        count = (await session.execute(select(func.count()).select_from(Introduction))).scalar_one()
    assert count == 1


async def test_a_member_who_left_gets_the_follow_up_in_the_thread_not_by_dm(world, clock):
    env, guild, general, intros_channel, _, anouk, bram, _ = world
    await introduce(world, anouk, "Bram")
    await anouk.user.click(proposal(anouk), label="Accept")
    await bram.user.click(proposal(bram), label="Accept")
    await bram.slash(general, "intro leave")
    dms_before = len(bram.user.dm_channel.history())
    clock.advance(days=7)
    await run_scheduled(env)
    assert len(bram.user.dm_channel.history()) == dms_before
    [thread] = intros_channel.threads
    asked = thread.last_message
    assert asked.content == f"{bram.mention} A week ago you were introduced to Anouk de Vries. Did you meet?"
    answered = await bram.click(asked, label="No")
    assert answered.ephemeral  # the thread is shared: Anouk does not see Bram's answer
    assert answered.response.content.startswith("Thanks for letting me know.")
    assert thread.last_message.content == asked.content
