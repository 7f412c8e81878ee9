"""/privacy show, export and delete; leaving and coming back; the bot removed from a server; driven through SimCord."""

from __future__ import annotations

import json
from datetime import timedelta

import discord
import pytest
from sqlalchemy import func, select

from bot.services import privacy
from bot.simulation import as_bot, member_locales, run_jobs
from models import Introduction, IntroParty, IntroRound, Member, Purpose
from tests.sim import pings_nobody, restart, synced_guild, take_user_errors


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


# --- phase 2: consent, visibility and delivery in the features -------------------------------------


@pytest.fixture
async def events_world(world):
    env, guild, general, anouk, bram = world
    channel = guild.create_text_channel("evenementen")
    officers = guild.create_role("Evenementen", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("organiser", global_name="Organiser"), roles=[officers])
    await officer.slash(general, "event setup", channel=channel)
    return env, guild, general, channel, officer, anouk, bram


async def create_event(officer, general, **options):
    options = {
        "kind": "hackathon",
        "title": "Hack de Stad",
        "start": "2026-12-10 19:30",
        "duration": "3h",
        "location": "LocHal, Tilburg",
    } | options
    shown = await officer.slash(general, "event create", **options)
    if shown.modal is None:
        return shown
    return await officer.submit_modal(shown, {"text": "Een avond bouwen aan de stad."})


async def test_going_is_recorded_as_consent_to_that_events_reminders_and_cant_go_withdraws_it(events_world, clock):
    from models import Event

    env, guild, general, channel, officer, anouk, bram = events_world
    carol = guild.add_member(env.create_user("carol", global_name="Carol"))  # never joined introductions
    await create_event(officer, general)
    async with env.bot.db.session() as session:
        event = (await session.execute(select(Event))).scalar_one()
    announcement = next(m for m in channel.history() if m.id == event.announcement_message_id)
    await carol.click(announcement, label="Ik ga")
    await anouk.click(announcement, label="Ik ga")
    await anouk.click(announcement, label="Kan niet")
    async with env.bot.db.session() as session:
        assert await privacy.has_consent(session, guild.id, carol.id, Purpose.EVENT_NOTICES, scope_id=event.id)
        assert not await privacy.has_consent(session, guild.id, anouk.id, Purpose.EVENT_NOTICES, scope_id=event.id)
        [given] = await privacy.consents(session, guild.id, carol.id)
        assert (given.via, given.scope_id) == ("button", event.id)
    shown = await carol.slash(general, "privacy show")
    consents = next(f.value for f in shown.response.embeds[0].fields if f.name == "Your consents")
    assert f"Reminders and changes of event (answer “Can't go” to stop) #{event.id}: by button" in consents
    clock.now = event.starts_at - timedelta(days=1)
    await run_jobs(env, "events")
    assert len([m for m in carol.user.dm_channel.history() if m.content.startswith("⏰")]) == 1
    assert anouk.user.dm_channel is None or not [
        m for m in anouk.user.dm_channel.history() if m.content.startswith("⏰")
    ]
    # Bram goes, then leaves the server: he is reminded of nothing.
    await bram.click(announcement, label="Ik ga")
    guild.remove_member(bram)
    await env.settle()
    clock.now = event.starts_at - timedelta(hours=1)
    await run_jobs(env, "events")
    assert not [m for m in bram.user.dm_channel.history() if m.content.startswith("⏰")]


async def test_the_expert_option_refuses_a_member_who_did_not_register(events_world):
    env, guild, general, channel, officer, anouk, bram = events_world
    session_options = {"kind": "expert_session", "topics": "subsidies"}
    refused = await create_event(officer, general, expert=bram, **session_options)
    assert refused.modal is None
    assert "has not registered as an expert" in refused.response.content
    take_user_errors(env)
    assert bram.user.dm_channel is None or bram.user.dm_channel.history() == []
    await bram.slash(general, "expert register", topics="subsidies aanvragen")
    await create_event(officer, general, expert=bram, title="Vraag het de expert", **session_options)
    assert bram.user.dm_channel is not None and bram.user.dm_channel.history()


async def test_a_private_profile_is_shown_to_nobody_but_its_owner_and_proposed_to_nobody(world):
    env, guild, general, anouk, bram = world
    done = await bram.slash(general, "profile set", visibility="private")
    assert "Your profile is private" in done.response.content
    own = await bram.slash(general, "profile show")
    assert own.response.embeds
    other = await anouk.slash(general, "profile show", member=bram.user)
    assert not other.response.embeds and "Bram" in other.response.content  # "no profile", as for anyone
    shown = await anouk.slash(general, "match")
    assert "Bram" not in str(shown.response.content) + str([e.to_dict() for e in shown.response.embeds])
    mine = await bram.slash(general, "match")
    assert "Anouk" in str([e.to_dict() for e in mine.response.embeds])
    take_user_errors(env)


async def test_a_profile_of_a_member_who_never_joined_is_not_shown_to_others(world):
    env, guild, general, anouk, bram = world
    carol = guild.add_member(env.create_user("carol", global_name="Carol Peeters"))
    await carol.slash(general, "profile set", region="Tilburg")
    other = await anouk.slash(general, "profile show", member=carol.user)
    assert not other.response.embeds
    await carol.slash(general, "intro join")
    shown = await anouk.slash(general, "profile show", member=carol.user)
    assert shown.response.embeds
    take_user_errors(env)


async def test_a_proposal_to_someone_whose_leave_was_missed_is_never_sent(world):
    env, guild, general, anouk, bram = world
    shown = await anouk.slash(general, "match")
    await env.bot.remove_cog("Privacy")  # the leave goes unheard
    guild.remove_member(bram)
    await env.settle()
    await anouk.click(shown.response, label="Introduce us (1)")
    assert bram.user.dm_channel is None or bram.user.dm_channel.history() == []
    assert anouk.user.dm_channel is None or anouk.user.dm_channel.history() == []
    async with env.bot.db.session() as session:
        assert await privacy.departed(session, guild.id) == {bram.id}
        assert (await session.execute(select(Introduction.status))).scalars().all() == ["expired"]


async def test_an_imported_member_first_dm_says_why_and_stops_with_one_click(world):
    from bot.services.importer import import_members, read_members_file

    env, guild, general, anouk, bram = world
    dirk = guild.add_member(env.create_user("dirk", global_name="Dirk"))
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.csv"
        path.write_text(
            "discord_id,name,sector,organisation,region,locale,offers,needs\n"
            f"{dirk.id},Dirk,company,,,en,subsidieaanvraag schrijven,contacten binnen de gemeente\n",
            encoding="utf-8",
        )
        await import_members(env.bot.db, guild.id, read_members_file(path).rows, "en")
    shown = await anouk.slash(general, "match")
    number = next(i for i, f in enumerate(shown.response.embeds[0].fields, 1) if "Dirk" in f.name)
    await anouk.click(shown.response, label=f"Introduce us ({number})")
    first = dirk.user.dm_channel.last_message
    assert "added you to Verbinder" in first.content
    stopped = await dirk.user.click(first, label="Stop introductions")
    assert stopped.response.content.startswith("Done: you receive no more introductions.")
    async with env.bot.db.session() as session:
        assert not await privacy.has_consent(session, guild.id, dirk.id, Purpose.INTRODUCTIONS)


async def test_a_member_who_left_is_off_challenge_teams_and_never_invited(simcord_env):
    from tests.test_challenges import field, make_world
    from tests.test_challenges import post as post_challenge

    w = await make_world(simcord_env)
    forum = w.guild.create_forum_channel("uitdagingen")
    done = await post_challenge(w, forum)
    [thread] = forum.threads
    starter = thread.history()[0]
    await w.bram.click(starter, label="Meedoen")
    assert w.bram.mention in field(thread.history()[0], "Team (1)")
    w.guild.remove_member(w.bram)
    await simcord_env.settle()
    assert field(thread.history()[0], "Team (0)").startswith("Nog niemand.")
    # The moderator's earlier suggestion (Anouk fits) still works; after she leaves it reaches nobody.
    w.guild.remove_member(w.anouk)
    await simcord_env.settle()
    await w.officer.click(done.response, label="Invite (1)")
    assert w.anouk.user.dm_channel is None or w.anouk.user.dm_channel.history() == []
    assert not [m for m in thread.history() if w.anouk.mention in m.content]
    take_user_errors(simcord_env)


async def test_an_expert_who_leaves_disappears_from_the_announcement(events_world):
    from models import Event

    env, guild, general, channel, officer, anouk, bram = events_world
    await bram.slash(general, "expert register", topics="subsidies aanvragen")
    await create_event(officer, general, kind="expert_session", topics="subsidies", expert=bram)
    async with env.bot.db.session() as session:
        event = (await session.execute(select(Event))).scalar_one()

    def announcement() -> discord.Message:
        return next(m for m in channel.history() if m.id == event.announcement_message_id)

    assert bram.mention in str([e.to_dict() for e in announcement().embeds])
    guild.remove_member(bram)
    await env.settle()
    assert bram.mention not in str([e.to_dict() for e in announcement().embeds])
