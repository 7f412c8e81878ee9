"""Value flows through SimCord: /thanks recorded, told and (with consent) posted; refusals;
/value setup, share and balance; /impact for moderators with PNG charts and a CSV; the monthly
celebration exactly once across a restart and a daylight-saving change."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from sqlalchemy import func, select

from bot import outbox
from bot.services import intros, privacy
from bot.services.value import celebrate
from bot.simulation import member_locales, run_jobs
from models import Member, Thanks, ValueCelebration
from tests.sim import nonces, over_discord_limits, pings_nobody, restart, sent_messages, synced_guild, take_user_errors

PNG = b"\x89PNG\r\n\x1a\n"


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


async def add_member(env: Any, guild: Any, user_id: int, name: str, sector: str, *, dms: bool) -> None:
    """A profile; with ``dms`` the member joined introductions, the privacy service's consent to DMs."""
    async with env.bot.db.session() as session:
        session.add(Member(guild_id=guild.id, user_id=user_id, name=name, sector=sector, locale="nl"))
        if dms:
            await intros.join(session, guild.id, user_id, chance=False, name=None, locale=None, now=env.bot.clock())


@pytest.fixture
async def world(simcord_env) -> World:
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    channel = guild.create_text_channel("waarde")
    officers = guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("officer", global_name="Innovation Officer"), roles=[officers])
    people = [
        guild.add_member(env.create_user(name, global_name=full))
        for name, full in (("anouk", "Anouk de Vries"), ("bram", "Bram Janssen"), ("carol", "Carol Peeters"))
    ]
    anouk, bram, carol = people
    await add_member(env, guild, anouk.id, "Anouk de Vries", "company", dms=True)
    # Bram joined introductions (so he accepts DMs from the bot); Carol has no profile at all.
    await add_member(env, guild, bram.id, "Bram Janssen", "government", dms=True)
    return World(env, guild, general, channel, officer, anouk, bram, carol)


async def setup(w: World, **options: Any) -> Any:
    done = await w.officer.slash(w.general, "value setup", channel=w.channel, **options)
    assert done.ephemeral, done
    return done


async def stored(w: World) -> list[Thanks]:
    async with w.env.bot.db.session() as session:
        return list((await session.execute(select(Thanks).order_by(Thanks.id))).scalars())


async def test_a_thanks_is_recorded_told_by_dm_and_posted_with_consent(world):
    w = world
    done = await setup(w, time_credits=True)
    assert done.response.content.startswith(f"Value is made known in {w.channel.mention}. Monthly celebration: on.")
    assert "Time credits: on." in done.response.content
    shared = await w.bram.slash(w.general, "value share", allow=True)
    assert shared.ephemeral and shared.response.content.startswith("Thanks you receive may now be shown")

    thanked = await w.anouk.slash(
        w.general, "thanks", member=w.bram, what="Hielp met onze subsidieaanvraag", kind="knowledge", hours=1.5
    )
    assert thanked.ephemeral
    assert thanked.response.content.splitlines() == [
        "Your thanks to **Bram Janssen** is recorded (Knowledge or advice · 1.5 hours).",
        f"It is shown in <#{w.channel.id}>.",
        "**Bram Janssen** will be told.",
    ]
    # In the value channel, in the server's language (Dutch), naming both without pinging anyone.
    posted = w.channel.last_message
    assert posted.content == (
        f"🙏 <@{w.anouk.id}> bedankt <@{w.bram.id}> voor Kennis of advies · 1,5 uur:\n> Hielp met onze subsidieaanvraag"
    )
    told = w.bram.user.dm_channel.last_message
    assert told.content.startswith(
        "🙏 **Anouk de Vries** bedankte je in **" + w.guild.name + "** voor Kennis of advies · 1,5 uur:"
    )
    assert pings_nobody(w.env)
    [row] = await stored(w)
    assert (row.thanker_id, row.helper_id, row.kind, row.quarters) == (w.anouk.id, w.bram.id, "knowledge", 6)
    assert (row.thanker_sector, row.helper_sector) == ("company", "government")
    assert row.message_id == posted.id and row.told_at is not None

    balance = await w.bram.slash(w.general, "value balance")
    fields = {f.name: f.value for f in balance.response.embeds[0].fields}
    assert fields["Thanks"] == "Received: 1 · Given: 0"
    assert fields["Time credits"] == "Hours given: 1.5 · Hours received: 0 · Balance: 1.5"
    assert fields["The whole server"] == "Thanks: 1\nHours exchanged: 1.5"


async def test_without_consent_a_thanks_is_only_counted_and_kept_for_the_profile(world):
    w = world
    await setup(w)
    before = w.channel.last_message
    thanked = await w.anouk.slash(w.general, "thanks", member=w.carol, what="Zaal voor ons buurtoverleg", hours=2)
    lines = thanked.response.content.splitlines()
    assert lines[0] == "Your thanks to **Carol Peeters** is recorded (Something else)."
    assert "This server does not count time credits, so the hours were left out." in lines
    assert "It is counted in the server's value without names." in lines
    assert w.channel.last_message == before
    # Carol never accepted DMs from the bot: she is told on her next profile view instead.
    assert w.carol.user.dm_channel is None or w.carol.user.dm_channel.last_message is None
    [row] = await stored(w)
    assert row.message_id is None and row.told_at is None and row.quarters is None
    # Carol has no profile: /value balance tells her, once.
    shown = await w.carol.slash(w.general, "value balance")
    fields = {f.name: f.value for f in shown.response.embeds[0].fields}
    assert fields["New thanks for you"] == f"• <@{w.anouk.id}>: Something else — Zaal voor ons buurtoverleg"
    again = await w.carol.slash(w.general, "value balance")
    assert "New thanks for you" not in {f.name for f in again.response.embeds[0].fields}
    assert (await stored(w))[0].told_at is not None

    # Bram allows sharing, but his DMs are closed: posted, and he is told in his profile later.
    await w.bram.slash(w.general, "value share", allow=True)
    dm = w.env.backend.get_dm_channel(w.bram.id)
    w.env.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007, times=None)
    await w.anouk.slash(w.general, "thanks", member=w.bram, what="Een introductie bij de gemeente", kind="network")
    assert w.channel.last_message.content.endswith("> Een introductie bij de gemeente")
    assert (await stored(w))[1].told_at is None
    assert pings_nobody(w.env)


async def test_a_thanks_links_to_the_event_both_went_to(world):
    w = world
    from models import Event, EventRsvp

    async with w.env.bot.db.session() as session:
        event = Event(
            guild_id=w.guild.id,
            kind="meetup",
            title="Koffie & Kansen",
            starts_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
            ends_at=datetime(2026, 11, 20, 11, tzinfo=UTC),
            created_by=w.officer.id,
        )
        event.rsvps = [EventRsvp(user_id=w.anouk.id, status="going"), EventRsvp(user_id=w.bram.id, status="going")]
        session.add(event)
    thanked = await w.anouk.slash(w.general, "thanks", member=w.bram, what="Tips voor mijn pitch", kind="knowledge")
    assert "Linked to the event **Koffie & Kansen** you both went to." in thanked.response.content
    assert (await stored(w))[0].event_id == event.id


async def test_refusals_are_private_and_change_nothing(world):
    w = world
    robot = w.guild.add_member(w.env.create_user("helper-bot", bot=True))
    for who, key in ((w.anouk, "You cannot thank yourself."), (robot, "Bots do not collect thanks.")):
        refused = await w.anouk.slash(w.general, "thanks", member=who, what="Dank je wel")
        assert refused.ephemeral and refused.response.content.startswith(key)
    blank = await w.anouk.slash(w.general, "thanks", member=w.bram, what="  x ")
    assert blank.response.content == "Say in a few words what you received (at least 2 characters)."
    w.guild.remove_member(w.carol)
    left = await w.anouk.slash(w.general, "thanks", member=w.carol.user, what="Dank je wel")
    assert left.response.content.startswith("That person is not (or no longer) a member of this server")
    assert await stored(w) == []

    for i in range(20):
        ok = await w.anouk.slash(w.general, "thanks", member=w.bram, what=f"Hulp nummer {i}")
        assert ok.response.content.startswith("Your thanks to **Bram Janssen** is recorded")
    refused = await w.anouk.slash(w.general, "thanks", member=w.bram, what="Nog een keer")
    assert refused.response.content.startswith("You have said thank you 20 times in the last 24 hours")
    assert len(await stored(w)) == 20
    assert len(take_user_errors(w.env)) == 5


async def test_moderator_commands_are_refused_to_members_when_they_run(world):
    w = world
    for name in ("value", "impact"):
        command = w.env.backend.find_command(name, w.guild.id)
        w.guild.set_command_permissions(int(command["id"]), {w.guild.default_role: True})
    refused = await w.anouk.slash(w.general, "value setup", channel=w.general)
    assert refused.ephemeral and refused.response.content == "You are not allowed to do that here."
    refused = await w.anouk.slash(w.general, "impact")
    assert refused.ephemeral and refused.response.content == "You are not allowed to do that here."
    assert not refused.followups
    assert len(take_user_errors(w.env)) == 2
    async with w.env.bot.db.session() as session:
        from bot.services.value.thanks import get_settings

        assert (await get_settings(session, w.guild.id)).channel_id is None


async def test_impact_answers_moderators_with_charts_and_a_table_in_their_language(world, clock):
    w = world
    await setup(w, time_credits=True)
    await w.anouk.slash(w.general, "thanks", member=w.bram, what="Subsidieadvies", kind="knowledge", hours=3)
    await w.bram.slash(w.general, "thanks", member=w.anouk, what="Vergaderruimte", kind="space")
    clock.advance(minutes=5)
    # Drawing three charts takes a moment on a busy machine; the interaction was deferred first.
    w.env.settle_timeout = 30.0
    with member_locales({w.officer.id: "nl"}):
        shown = await w.officer.slash(w.general, "impact", period=30)
    # Deferred first (type 5), then answered privately with the numbers and the files.
    callbacks = [r for r in w.env.http_requests if r.method == "POST" and r.path.endswith("/callback")]
    assert callbacks[-1].json == {"type": 5, "data": {"flags": 64}}
    answer = shown.response
    assert shown.ephemeral and answer.ephemeral
    embed = answer.embeds[0]
    assert embed.title == "Impact van de afgelopen 30 dagen"
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Bedankjes"] == "Bedankjes: 2\nUitgewisselde uren: 3"
    files = {a.filename: await a.read() for a in answer.attachments}
    assert set(files) == {"sectors.png", "trend.png", "kinds.png", "impact.csv"}
    assert all(files[name].startswith(PNG) for name in ("sectors.png", "trend.png", "kinds.png"))
    table = list(csv.reader(io.StringIO(files["impact.csv"].decode("utf-8"))))
    assert table[0] == ["table", "row", "column", "value"]
    assert ["sectors_thanks", "government", "company", "1"] in table
    assert ["sectors_thanks", "company", "government", "1"] in table
    assert ["kinds", "knowledge", "hours", "3.0"] in table


async def celebrations(w: World) -> list[discord.Message]:
    return [m for m in w.channel.history() if m.embeds and m.embeds[0].title and m.embeds[0].title.startswith("🎉")]


async def test_the_monthly_celebration_is_posted_once_across_a_restart_and_a_dst_change(world, settings, clock):
    w = world
    await setup(w)
    await w.bram.slash(w.general, "value share", allow=True)
    clock.now = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    await w.anouk.slash(w.general, "thanks", member=w.bram, what="Hielp ons met een subsidieaanvraag")
    await w.bram.slash(w.general, "thanks", member=w.carol, what="Lente-ideeën voor de wijk")
    # Summer time ended on 25 October. The first Monday of November is the 2nd: 09:00 CET = 08:00 UTC.
    clock.now = datetime(2026, 11, 2, 7, 59, tzinfo=UTC)
    await run_jobs(w.env, "value")
    assert await celebrations(w) == []
    clock.now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    await run_jobs(w.env, "value")
    await run_jobs(w.env, "value")
    [post] = await celebrations(w)
    embed = post.embeds[0]
    assert embed.title == "🎉 Wat we samen maakten in oktober 2026"
    assert "🙏 Bedankjes: 2 · tussen sectoren: 1" in embed.description
    # Only Bram allowed his thanks to be shared; Carol's are counted but not told.
    assert "Hielp ons met een subsidieaanvraag" in embed.description
    assert "Lente-ideeën" not in embed.description
    assert pings_nobody(w.env)

    await restart(w.env, settings, clock)
    clock.advance(hours=3)
    await run_jobs(w.env, "value")
    assert len(await celebrations(w)) == 1

    # December: the bot was down on Monday the 7th from before 09:00 until the evening: caught up.
    clock.now = datetime(2026, 12, 7, 19, 30, tzinfo=UTC)
    await run_jobs(w.env, "value")
    assert len(await celebrations(w)) == 2
    # January: down for more than a day after Monday the 4th, 09:00: that month is skipped.
    clock.now = datetime(2027, 1, 5, 8, 1, tzinfo=UTC)
    await run_jobs(w.env, "value")
    assert len(await celebrations(w)) == 2

    # Summer time started on 28 March 2027: the first Monday of April, 09:00 CEST, is 07:00 UTC.
    clock.now = datetime(2027, 4, 5, 6, 59, tzinfo=UTC)
    await run_jobs(w.env, "value")
    assert len(await celebrations(w)) == 2
    clock.now = datetime(2027, 4, 5, 7, 0, tzinfo=UTC)
    await run_jobs(w.env, "value")
    await restart(w.env, settings, clock)
    await run_jobs(w.env, "value")
    assert len(await celebrations(w)) == 3
    async with w.env.bot.db.session() as session:
        months = list((await session.execute(select(ValueCelebration.month).order_by(ValueCelebration.id))).scalars())
        assert (await session.execute(select(func.count()).select_from(ValueCelebration))).scalar_one() == 3
    assert months == ["2026-11", "2026-12", "2027-04"]


async def test_a_failed_celebration_is_tried_again_within_the_day(world, clock):
    w = world
    await setup(w)
    clock.now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    w.env.inject_error("POST", f"/channels/{w.channel.id}/messages", status=500, times=1)
    await run_jobs(w.env, "value")
    assert await celebrations(w) == []
    clock.advance(minutes=1)
    await run_jobs(w.env, "value")
    [post] = await celebrations(w)
    assert post.embeds[0].title == "🎉 Wat we samen maakten in november 2026"
    assert timedelta(0) < clock.now - datetime(2026, 12, 7, 8, 0, tzinfo=UTC) < timedelta(hours=24)


async def test_a_celebration_claimed_but_never_posted_goes_out_once_after_a_restart(world, settings, clock):
    w = world
    await setup(w)
    clock.now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    bot = w.env.bot
    # The job claims the month and puts the post in the outbox, a sender claims it... and the process dies.
    async with bot.db.session() as session:
        assert await celebrate.claim(session, w.guild.id, "2026-12", clock.now)
    async with bot.db.session() as session:
        [item] = await outbox.claim(session, clock.now, kinds=("celebration",))
    await restart(w.env, settings, clock)
    await run_jobs(w.env, "value")
    assert await celebrations(w) == []  # maybe still being sent
    clock.advance(minutes=3)
    await run_jobs(w.env, "value")
    await run_jobs(w.env, "value")
    [post] = await celebrations(w)
    assert nonces(w.env, w.channel.id)[-1] == (item.nonce, True)
    async with bot.db.session() as session:
        [row] = (await session.execute(select(ValueCelebration))).scalars()
    assert row.message_id == post.id


async def test_the_celebration_never_names_a_member_who_left(world, clock):
    w = world
    await setup(w)
    for member in (w.bram, w.carol):
        await member.slash(w.general, "value share", allow=True)
    clock.now = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    await w.anouk.slash(w.general, "thanks", member=w.bram, what="Een lange uitleg over de subsidieregels")
    await w.anouk.slash(w.general, "thanks", member=w.carol, what="Hulp bij de flyer")
    w.guild.remove_member(w.bram)
    clock.now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    await run_jobs(w.env, "value")
    [post] = await celebrations(w)
    text = post.embeds[0].description
    assert "🙏 Bedankjes: 2" in text
    assert "Hulp bij de flyer" in text and w.carol.mention in text
    assert "subsidieregels" not in text and str(w.bram.id) not in text
    # The leave was recorded although the celebration wrote at the same moment.
    async with w.env.bot.db.session() as session:
        assert w.bram.id in await privacy.departed(session, w.guild.id)


async def test_dutch_members_get_dutch_answers_and_can_stop_sharing(world):
    w = world
    await setup(w)
    with member_locales({w.anouk.id: "nl", w.bram.id: "nl"}):
        await w.bram.slash(w.general, "value share", allow=True)
        stopped = await w.bram.slash(w.general, "value share", allow=False)
        assert stopped.response.content.startswith("Bedankjes aan jou verschijnen niet meer in het waardekanaal")
        thanked = await w.anouk.slash(w.general, "thanks", member=w.bram, what="Hulp bij de begroting", kind="time")
        assert thanked.response.content.splitlines() == [
            "Je bedankje aan **Bram Janssen** is vastgelegd (Tijd of hulp).",
            "Het telt mee in de waarde van de server, zonder namen.",
            "**Bram Janssen** krijgt het te horen.",
        ]
        balance = await w.anouk.slash(w.general, "value balance")
    embed = balance.response.embeds[0]
    assert embed.title == "Waarde van Anouk de Vries"
    assert {f.name: f.value for f in embed.fields}["Bedankjes"] == "Ontvangen: 0 · Gegeven: 1"
    assert embed.footer.text == "Deze server telt geen tijdkrediet; bedankjes tellen zonder uren."
    assert w.channel.last_message is None or "begroting" not in (w.channel.last_message.content or "")


async def test_profile_show_tells_new_thanks_and_shows_value_only_with_consent(world):
    w = world
    await setup(w, time_credits=True)
    async with w.env.bot.db.session() as session:
        # No consent to DMs from the bot (he left introductions): he hears of thanks in his profile.
        await intros.leave(session, w.guild.id, w.bram.id)
    await w.anouk.slash(w.general, "thanks", member=w.bram, what="Hielp met de begroting", kind="time", hours=2)
    assert w.bram.user.dm_channel is None or w.bram.user.dm_channel.last_message is None

    own = await w.bram.slash(w.general, "profile show")
    fields = {f.name: f.value for f in own.response.embeds[0].fields}
    assert fields["Value"] == "Thanked: 1 · Thanked others: 0\nHours given: 2 · received: 0 · balance: 2"
    assert fields["New thanks for you"] == f"• <@{w.anouk.id}>: Time or help — Hielp met de begroting"
    again = await w.bram.slash(w.general, "profile show")
    assert "New thanks for you" not in {f.name for f in again.response.embeds[0].fields}

    # Others see a profile only of a member who joined introductions (privacy); Bram joins again.
    async with w.env.bot.db.session() as session:
        await intros.join(session, w.guild.id, w.bram.id, chance=False, name=None, locale=None, now=w.env.bot.clock())
    # Anouk sees Bram's value only once he lets thanks to him be shown.
    seen = await w.anouk.slash(w.general, "profile show", member=w.bram)
    assert "Value" not in {f.name for f in seen.response.embeds[0].fields}
    await w.bram.slash(w.general, "value share", allow=True)
    seen = await w.anouk.slash(w.general, "profile show", member=w.bram)
    fields = {f.name: f.value for f in seen.response.embeds[0].fields}
    assert fields["Value"].startswith("Thanked: 1") and "New thanks for you" not in fields
    assert not [problem for message in sent_messages(w.env) for problem in over_discord_limits(message)]
    assert pings_nobody(w.env)


async def test_commands_are_named_as_mentions_in_the_dm_and_the_celebration(world, clock):
    w = world
    await setup(w)
    await w.bram.slash(w.general, "value share", allow=True)
    clock.now = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    await w.anouk.slash(w.general, "thanks", member=w.bram, what="Hielp met de begroting")
    share = w.env.backend.find_command("value", w.guild.id)["id"]
    assert w.bram.user.dm_channel.last_message.content.endswith(f"met </value share:{share}>.")
    clock.now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    await run_jobs(w.env, "value")
    [post] = await celebrations(w)
    thanks_id = w.env.backend.find_command("thanks", w.guild.id)["id"]
    assert post.embeds[0].description.endswith(f"Door iemand geholpen? Zeg dankjewel met </thanks:{thanks_id}>.")
    assert not [problem for message in sent_messages(w.env) for problem in over_discord_limits(message)]
