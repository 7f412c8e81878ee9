"""/privacy show, export and delete; leaving and coming back; the bot removed from a server; driven through SimCord."""

from __future__ import annotations

import json
from datetime import timedelta

import discord
import pytest
from sqlalchemy import func, select

from bot.services import privacy
from bot.simulation import as_bot, member_locales, run_jobs
from models import Introduction, IntroParty, IntroRound, Member
from tests.sim import pings_nobody, restart, synced_guild


@pytest.fixture
async def world(simcord_env):
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    officers = guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("officer", global_name="Innovation Officer"), roles=[officers])
    await officer.slash(general, "intro setup", channel=guild.create_text_channel("kennismaken"))
    anouk = guild.add_member(env.create_user("anouk", global_name="Anouk de Vries"))
    bram = guild.add_member(env.create_user("bram", global_name="Bram Janssen"))
    await anouk.slash(general, "offer add", text="contacten binnen de gemeente")
    await anouk.slash(general, "need add", text="subsidieaanvraag schrijven")
    await bram.slash(general, "offer add", text="subsidies aanvragen")
    for member in (anouk, bram):
        await member.slash(general, "intro join")
    return env, guild, general, anouk, bram


async def stored(env, guild_id: int, user_id: int) -> bool:
    async with env.bot.db.session() as session:
        return await privacy.knows_member(session, guild_id, user_id)


async def test_show_tells_a_member_what_is_stored_who_sees_it_and_for_how_long(world):
    env, guild, general, anouk, _ = world
    result = await anouk.slash(general, "privacy show")
    assert result.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "Your data in this server"
    fields = {f.name: f.value for f in embed.fields}
    assert "Profile: 1" in fields["Stored about you"]
    assert "Offers and needs: 2" in fields["Stored about you"]
    assert "erased after 30 days" in fields["How long"]
    assert "/privacy export" in fields["Your rights"]
    assert pings_nobody(env)


async def test_show_in_dutch(world):
    env, guild, general, anouk, _ = world
    with member_locales({anouk.id: "nl"}):
        result = await anouk.slash(general, "privacy show")
    embed = result.response.embeds[0]
    assert embed.title == "Je gegevens in deze server"
    assert "Aanbod en vraag: 2" in embed.fields[0].value


async def test_export_is_a_private_json_file_of_everything_that_names_the_member(world):
    env, guild, general, anouk, bram = world
    result = await anouk.slash(general, "privacy export")
    assert result.ephemeral
    message = result.response
    [attachment] = message.attachments
    assert attachment.filename == f"verbinder-export-{guild.id}.json"
    data = json.loads(await attachment.read())
    assert data["user_id"] == str(anouk.id) and data["guild_id"] == str(guild.id)
    assert [m["name"] for m in data["tables"]["members"]] == ["Anouk de Vries"]
    assert sorted(i["text"] for i in data["tables"]["member_items"]) == [
        "contacten binnen de gemeente",
        "subsidieaanvraag schrijven",
    ]
    assert str(bram.id) not in json.dumps(data)


async def test_delete_asks_first_and_erases_after_the_confirm_button(world):
    env, guild, general, anouk, bram = world
    asked = await anouk.slash(general, "privacy delete")
    assert asked.ephemeral
    assert "cannot be undone" in asked.response.content
    assert await stored(env, guild.id, anouk.id)  # nothing happens before the click
    done = await anouk.click(asked.response, label="Erase my data")
    assert "are erased" in done.response.content
    assert not await stored(env, guild.id, anouk.id)
    assert await stored(env, guild.id, bram.id)
    async with env.bot.db.session() as session:
        assert len(await privacy.was_erased(session, guild.id, anouk.id)) == 1
    # Nothing left: a second request says so.
    again = await anouk.slash(general, "privacy delete")
    assert again.response.content == "Nothing that names you is stored in this server."


async def test_the_confirm_button_survives_a_restart(world, settings, clock):
    env, guild, general, anouk, _ = world
    asked = await anouk.slash(general, "privacy delete")
    await restart(env, settings, clock)
    await anouk.click(asked.response, label="Erase my data")
    assert not await stored(env, guild.id, anouk.id)


async def test_delete_in_dutch(world):
    env, guild, general, anouk, _ = world
    with member_locales({anouk.id: "nl"}):
        asked = await anouk.slash(general, "privacy delete")
        done = await anouk.click(asked.response, label="Wis mijn gegevens")
    assert "gewist" in done.response.content


async def test_a_member_who_leaves_is_marked_left_and_everyone_hears_it(world):
    env, guild, general, anouk, bram = world
    heard = []

    async def on_member_left(guild_id: int, user_id: int) -> None:
        heard.append((guild_id, user_id))

    env.bot.add_listener(on_member_left)
    guild.remove_member(bram)
    await env.settle()
    async with env.bot.db.session() as session:
        assert await privacy.departed(session, guild.id) == {bram.id}
        assert not await privacy.is_present(session, guild.id, bram.id)
    assert heard == [(guild.id, bram.id)]


async def test_a_member_who_leaves_ends_their_open_proposals_silently(world):
    env, guild, general, anouk, bram = world
    shown = await anouk.slash(general, "match")
    await anouk.click(shown.response, label="Introduce us (1)")
    sent_before = len(env.http_requests)
    guild.remove_member(bram)
    await env.settle()
    async with env.bot.db.session() as session:
        assert (await session.execute(select(Introduction.status))).scalars().all() == ["expired"]
    # Nobody was told.
    assert not [r for r in env.http_requests[sent_before:] if r.method == "POST" and "/messages" in r.path]


async def test_a_member_who_comes_back_within_the_retention_finds_everything(world):
    env, guild, general, anouk, bram = world
    guild.remove_member(bram)
    await env.settle()
    guild.add_member(bram.user)
    await env.settle()
    async with env.bot.db.session() as session:
        assert await privacy.departed(session, guild.id) == set()
    assert await stored(env, guild.id, bram.id)


async def test_the_daily_job_erases_who_left_longer_ago_than_the_retention(world, clock):
    env, guild, general, anouk, bram = world
    guild.remove_member(bram)
    await env.settle()
    clock.advance(days=29)
    await run_jobs(env, "privacy")
    assert await stored(env, guild.id, bram.id)
    clock.advance(days=1)
    await run_jobs(env, "privacy")
    assert not await stored(env, guild.id, bram.id)
    assert await stored(env, guild.id, anouk.id)


async def test_a_server_that_removes_the_bot_is_erased_after_the_retention(world, clock):
    env, guild, general, anouk, bram = world
    with as_bot(env):
        await env.bot.get_guild(guild.id).leave()
    await env.settle()
    async with env.bot.db.session() as session:
        assert await privacy.departed_guilds(session) == {guild.id}
        assert not await privacy.is_present(session, guild.id, anouk.id)
    # No weekly round is recorded for a server that removed the bot.
    from datetime import UTC, datetime

    from tests.sim import run_scheduled

    clock.now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    await run_scheduled(env)
    async with env.bot.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(IntroRound)) == 0
    clock.advance(days=31)
    await run_jobs(env, "privacy")
    async with env.bot.db.session() as session:
        assert not await privacy.knows_guild(session, guild.id)
        assert await session.scalar(select(func.count()).select_from(Member)) == 0


async def test_start_up_reconciliation_catches_who_left_while_the_bot_was_offline(world, settings, clock):
    from bot import create_bot

    env, guild, general, anouk, bram = world
    old = env.bot
    # The old process stops hearing leaves; Bram leaves while it is down.
    await old.remove_cog("Privacy")
    guild.remove_member(bram)
    await env.settle()
    async with old.db.session() as session:
        assert await privacy.departed(session, guild.id) == set()
    await env.restart_bot(create_bot(settings, clock=clock))
    await old.close()
    await env.settle()
    async with env.bot.db.session() as session:
        assert await privacy.departed(session, guild.id) == {bram.id}
        assert await privacy.is_present(session, guild.id, anouk.id)


async def test_leave_before_the_retention_has_passed_keeps_the_data_for_now(world, clock):
    env, guild, general, anouk, bram = world
    guild.remove_member(bram)
    await env.settle()
    clock.advance(days=1)
    await run_jobs(env, "privacy")
    assert await stored(env, guild.id, bram.id)
    assert timedelta(days=env.bot.settings.retention_days) == timedelta(days=30)


# --- a member who left is out of everything at once ------------------------------------------


async def test_a_member_who_left_is_out_of_match_at_once(world):
    env, guild, general, anouk, bram = world
    before = await anouk.slash(general, "match")
    assert [f.name for f in before.response.embeds[0].fields] == ["1. Bram Janssen"]
    guild.remove_member(bram)
    await env.settle()
    after = await anouk.slash(general, "match")
    assert "Bram" not in str(after.response.content) + str([e.to_dict() for e in after.response.embeds])
    # The old suggestion's button cannot reach him either.
    refused = await anouk.click(before.response, label="Introduce us (1)")
    assert "Bram" not in refused.response.content
    async with env.bot.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Introduction)) == 0


async def test_a_member_who_left_is_not_in_the_weekly_round(world, clock):
    from datetime import UTC, datetime

    from tests.sim import run_scheduled

    env, guild, general, anouk, bram = world
    # Anouk and Bram fit each other: with Bram here, the round would propose them.
    guild.remove_member(bram)
    await env.settle()
    clock.now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 in Amsterdam
    await run_scheduled(env)
    async with env.bot.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(IntroRound)) == 1
        assert await session.scalar(select(func.count()).select_from(IntroParty)) == 0
    assert bram.user.dm_channel is None or not bram.user.dm_channel.history()


async def test_a_member_who_left_is_in_no_expert_list(world):
    env, guild, general, anouk, bram = world
    await bram.slash(general, "expert register", topics="subsidies aanvragen")
    listed = await anouk.slash(general, "expert list")
    assert bram.mention in listed.response.embeds[0].description
    guild.remove_member(bram)
    await env.settle()
    after = await anouk.slash(general, "expert list")
    assert bram.mention not in str(after.response.content) + str([e.to_dict() for e in after.response.embeds])


# --- no inference -----------------------------------------------------------------------------


async def test_intro_status_does_not_reveal_that_the_other_declined(world):
    env, guild, general, anouk, bram = world
    shown = await anouk.slash(general, "match")
    await anouk.click(shown.response, label="Introduce us (1)")
    await anouk.user.click(anouk.user.dm_channel.last_message, label="Accept")
    before = (await anouk.slash(general, "intro status")).response.content
    assert "Open proposals: 1." in before
    await bram.user.click(bram.user.dm_channel.last_message, label="No thanks")
    after = (await anouk.slash(general, "intro status")).response.content
    assert after == before
    # Bram sees his own answer: nothing open for him.
    assert "Open proposals: 0." in (await bram.slash(general, "intro status")).response.content


# --- consent per purpose ----------------------------------------------------------------------


async def test_show_lists_consents_and_each_stops_with_one_click(world):
    env, guild, general, anouk, bram = world
    await anouk.slash(general, "expert register", topics="gemeentelijk beleid")
    shown = await anouk.slash(general, "privacy show")
    consents = next(f.value for f in shown.response.embeds[0].fields if f.name == "Your consents")
    assert "Introductions by DM: by command" in consents
    assert "Invitations to expert sessions: by command" in consents
    stopped = await anouk.click(shown.response, label="Stop introductions")
    assert stopped.ephemeral and stopped.response.content.startswith("Done: you receive no more introductions.")
    status = await anouk.slash(general, "intro status")
    assert status.response.content.startswith("You do not receive introductions.")
    await anouk.click(shown.response, label="Stop expert invitations")
    listed = await bram.slash(general, "expert list")
    assert anouk.mention not in str(listed.response.content) + str([e.to_dict() for e in listed.response.embeds])
    again = await anouk.slash(general, "privacy show")
    assert "None" in next(f.value for f in again.response.embeds[0].fields if f.name == "Your consents")


async def test_membership_is_verified_before_delivery_even_when_the_leave_was_missed(world):
    from bot.membership import still_member, still_members

    env, guild, general, anouk, bram = world
    heard = []

    async def on_member_left(guild_id: int, user_id: int) -> None:
        heard.append(user_id)

    env.bot.add_listener(on_member_left)
    await env.bot.remove_cog("Privacy")  # the leave below goes unheard
    guild.remove_member(bram)
    await env.settle()
    async with env.bot.db.session() as session:
        assert await privacy.departed(session, guild.id) == set()
    with as_bot(env):
        assert await still_member(env.bot, guild.id, anouk.id)
        assert await still_members(env.bot, guild.id, [anouk.id, bram.id]) == [anouk.id]
    await env.settle()
    async with env.bot.db.session() as session:
        assert await privacy.departed(session, guild.id) == {bram.id}
    assert heard == [bram.id]
