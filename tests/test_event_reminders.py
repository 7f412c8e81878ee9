"""Scheduled event messages with an injected clock: each reminder exactly once, who is told how,
restarts before and after a due time, daylight-saving weekends, cancelled events, the agenda."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from sqlalchemy import select

from bot import outbox
from bot.services import intros
from bot.services.events import notices as notice_service
from bot.simulation import run_jobs
from models import AgendaPost, Event, EventNotice
from tests.sim import nonces, restart, synced_guild

# Thursday 10 December 2026, 19:30 in Amsterdam (CET) is 18:30 UTC.
START = datetime(2026, 12, 10, 18, 30, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def tick(env) -> None:
    """The events' minute tick, as the scheduler runs it."""
    await run_jobs(env, "events")


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
        for name in ("anouk", "bram", "carol", "dirk")
    }
    await officer.slash(general, "event setup", channel=channel)
    return World(env, guild, general, channel, officer, people)


async def create(world, start: str = "2026-12-10 19:30", title: str = "Hack de Stad", **options) -> int:
    w = world
    shown = await w.officer.slash(
        w.general,
        "event create",
        kind="hackathon",
        title=title,
        start=start,
        duration="3h",
        location="LocHal, Tilburg",
        **options,
    )
    assert shown.modal is not None, shown.response and shown.response.content
    await w.officer.submit_modal(shown, {"text": "Een avond bouwen aan de stad."})
    async with w.env.bot.db.session() as session:
        return (await session.execute(select(Event.id).where(Event.title == title))).scalar_one()


async def answer(world, event_id: int) -> None:
    """Anouk and Bram go (Bram's DMs are closed); Carol goes without having joined introductions; Dirk may
    come; answering is consent to the event's reminders either way."""
    w = world
    async with w.env.bot.db.session() as session:
        for name in ("anouk", "bram", "dirk"):
            await intros.join(session, w.guild.id, w.people[name].id, chance=False, name=name, locale="nl")
    async with w.env.bot.db.session() as session:
        message_id = (await session.get(Event, event_id)).announcement_message_id
    posted = next(m for m in w.channel.history() if m.id == message_id)
    for name, label in (("anouk", "Ik ga"), ("bram", "Ik ga"), ("carol", "Ik ga"), ("dirk", "Misschien")):
        await w.people[name].click(posted, label=label)
    bram_dm = w.env.backend.get_dm_channel(w.people["bram"].id)
    w.env.inject_error("POST", f"/channels/{bram_dm.id}/messages", status=403, code=50007, times=None)


def reminders_in(channel) -> list[discord.Message]:
    return [m for m in channel.history() if m.content.startswith("⏰")]


def dm_reminders(member) -> list[discord.Message]:
    return [m for m in member.user.dm_channel.history() if m.content.startswith("⏰")]


async def notices(env) -> dict[str, bool]:
    async with env.bot.db.session() as session:
        rows = await session.execute(select(EventNotice.kind, EventNotice.sent_at.is_not(None)))
        return {kind: sent for kind, sent in rows}


async def test_each_reminder_once_by_dm_to_going_and_maybe_members_and_once_in_the_channel(world, clock):
    w = world
    await answer(world, await create(world))
    for due in (START - timedelta(days=7), START - timedelta(days=1), START - timedelta(hours=1)):
        clock.now = due - timedelta(minutes=1)
        await tick(w.env)
        before = len(reminders_in(w.channel))
        for step in (
            timedelta(0),
            timedelta(minutes=1),
            timedelta(hours=5) if due < START - timedelta(hours=5) else timedelta(minutes=30),
        ):
            clock.now = due + step
            await tick(w.env)
        assert len(reminders_in(w.channel)) == before + 1
    assert await notices(w.env) == {"announce": True, "remind_7d": True, "remind_1d": True, "remind_1h": True}

    # Going or Maybe, introductions or not; in English (the language of their last interaction).
    for name in ("anouk", "carol", "dirk"):
        assert [m.content.split(" (")[0] for m in dm_reminders(w.people[name])] == [
            "⏰ Reminder: **Hack de Stad** starts <t:1796927400:R>"
        ] * 3
    # The w.channel reminder (the server's language) mentions only Bram: going, DMs closed.
    last = reminders_in(w.channel)[-1]
    assert last.content.startswith(
        "⏰ **Hack de Stad** begint <t:1796927400:R> (<t:1796927400:F> – <t:1796938200:t>). "
        "Waar: LocHal, Tilburg. Gaan: 3."
    )
    assert last.content.endswith(w.people["bram"].mention)
    assert w.people["carol"].mention not in last.content and w.people["anouk"].mention not in last.content
    posts = [r for r in w.env.http_requests if r.method == "POST" and r.path == f"/channels/{w.channel.id}/messages"]
    for request in posts:
        mentions = request.json["allowed_mentions"]
        assert mentions["parse"] == [] and set(map(int, mentions.get("users", []))) <= {w.people["bram"].id}


async def test_a_restart_before_the_due_time_loses_and_doubles_nothing(world, clock, settings):
    w = world
    await answer(world, await create(world))
    clock.now = START - timedelta(days=7)
    await tick(w.env)
    assert len(reminders_in(w.channel)) == 1
    clock.now = START - timedelta(days=1, minutes=30)
    await restart(w.env, settings, clock)
    await tick(w.env)
    assert len(reminders_in(w.channel)) == 1
    clock.now = START - timedelta(days=1)
    await tick(w.env)
    assert len(reminders_in(w.channel)) == 2 and len(dm_reminders(w.people["anouk"])) == 2
    await restart(w.env, settings, clock)
    await tick(w.env)
    clock.advance(minutes=10)
    await tick(w.env)
    assert len(reminders_in(w.channel)) == 2 and len(dm_reminders(w.people["anouk"])) == 2
    assert await notices(w.env) == {"announce": True, "remind_7d": True, "remind_1d": True}


async def test_after_a_restart_a_recently_missed_reminder_is_sent_once_and_older_ones_are_skipped(
    world, clock, settings
):
    w = world
    await answer(world, await create(world))
    # Down from before the 7-day reminder until three hours after the 1-day reminder.
    clock.now = START - timedelta(hours=21)
    await restart(w.env, settings, clock)
    await tick(w.env)
    await tick(w.env)
    assert len(reminders_in(w.channel)) == 1 and len(dm_reminders(w.people["anouk"])) == 1
    assert await notices(w.env) == {"announce": True, "remind_7d": False, "remind_1d": True}
    # Down again over the start: the 1-hour reminder is skipped, never sent late.
    clock.now = START + timedelta(hours=2)
    await restart(w.env, settings, clock)
    await tick(w.env)
    assert len(reminders_in(w.channel)) == 1
    assert await notices(w.env) == {"announce": True, "remind_7d": False, "remind_1d": True, "remind_1h": False}


async def test_a_reminder_claimed_but_never_sent_goes_out_once_after_a_restart(world, clock, settings):
    w = world
    event_id = await create(world)
    await answer(world, event_id)
    clock.now = START - timedelta(days=7)
    bot = w.env.bot
    # The tick records the reminder and puts it in the outbox, a sender claims it... and the process dies.
    async with bot.db.session() as session:
        claimed = await notice_service.claim_due_notices(session, clock.now, "Europe/Amsterdam")
    async with bot.db.session() as session:
        items = await outbox.claim(session, clock.now, kinds=("event_notice",))
    assert (
        [i.key for i in items]
        == [notice_service.notice_key(c) for c in claimed]
        == [f"event_notice:{event_id}:remind_7d"]
    )

    await restart(w.env, settings, clock)
    await tick(w.env)
    assert reminders_in(w.channel) == [] and dm_reminders(w.people["anouk"]) == []  # maybe still being sent
    for _ in range(3):
        clock.advance(minutes=1)
        await tick(w.env)
    assert len(reminders_in(w.channel)) == 1
    assert len(dm_reminders(w.people["anouk"])) == len(dm_reminders(w.people["dirk"])) == 1
    # Each message with a nonce of its own, the same on every retry: a quick repeat is dropped by Discord.
    [item] = items
    anouk = w.people["anouk"]
    assert nonces(w.env, anouk.user.dm_channel.id) == [(outbox.nonce(f"{item.key}:{anouk.id}"), True)]
    assert nonces(w.env, w.channel.id)[-1] == (outbox.nonce(f"{item.key}:post"), True)
    async with bot.db.session() as session:
        assert set((await outbox.counts(session, clock.now)).values()) == {0}  # sent and confirmed
    clock.advance(minutes=10)
    await restart(w.env, settings, clock)
    await tick(w.env)
    assert len(reminders_in(w.channel)) == 1 and len(dm_reminders(anouk)) == 1


async def test_a_cancelled_event_gets_no_reminders(world, clock):
    w = world
    event_id = await create(world)
    await answer(world, event_id)
    await w.officer.slash(w.general, "event cancel", event=event_id)
    for due in (START - timedelta(days=7), START - timedelta(days=1), START - timedelta(hours=1)):
        clock.now = due
        await tick(w.env)
    assert reminders_in(w.channel) == [] and dm_reminders(w.people["anouk"]) == []
    assert await notices(w.env) == {"announce": True}


@pytest.mark.parametrize(
    ("now", "start", "expected"),
    [
        # Spring forward, Sunday 29 March 2026: 02:00 becomes 03:00.
        (
            utc(2026, 3, 27, 12, 0),
            "2026-03-29 03:30",
            {
                "remind_1d": utc(2026, 3, 28, 2, 30),
                "remind_2h": utc(2026, 3, 28, 23, 30),
                "remind_1h": utc(2026, 3, 29, 0, 30),
            },
        ),
        (
            utc(2026, 3, 27, 12, 0),
            "2026-03-29 10:00",
            {
                "remind_1d": utc(2026, 3, 28, 9, 0),
                "remind_2h": utc(2026, 3, 29, 6, 0),
                "remind_1h": utc(2026, 3, 29, 7, 0),
            },
        ),
        # Fall back, Sunday 25 October 2026: 03:00 becomes 02:00; 02:30 happens twice (the first counts).
        (
            utc(2026, 10, 23, 12, 0),
            "2026-10-25 02:30",
            {
                "remind_1d": utc(2026, 10, 24, 0, 30),
                "remind_2h": utc(2026, 10, 24, 22, 30),
                "remind_1h": utc(2026, 10, 24, 23, 30),
            },
        ),
        (
            utc(2026, 10, 23, 12, 0),
            "2026-10-25 10:00",
            {
                "remind_1d": utc(2026, 10, 24, 8, 0),
                "remind_2h": utc(2026, 10, 25, 7, 0),
                "remind_1h": utc(2026, 10, 25, 8, 0),
            },
        ),
    ],
)
async def test_daylight_saving_weekends_neither_skip_nor_double_a_reminder(world, clock, now, start, expected):
    w = world
    await w.officer.slash(w.general, "event setup", channel=w.channel, reminders="1d,2h,1h")
    clock.now = now
    await create(world, start=start)
    sent_at: dict[str, datetime] = {}
    while clock.now < now + timedelta(hours=48):
        before = len(reminders_in(w.channel))
        await tick(w.env)
        if len(reminders_in(w.channel)) > before:
            async with w.env.bot.db.session() as session:
                rows = await session.execute(
                    select(EventNotice.kind, EventNotice.sent_at).where(EventNotice.sent_at == clock.now)
                )
                sent_at.update({kind: at for kind, at in rows if kind != "announce"})
        clock.advance(minutes=30)
    assert len(reminders_in(w.channel)) == 3
    # Each one at the first tick (every half hour) at or after its due instant.
    assert sent_at == expected
    recorded = await notices(w.env)
    recorded.pop("over", None)  # an event that ended within the 48 hours is marked as over too
    assert recorded == {"announce": True, "remind_1d": True, "remind_2h": True, "remind_1h": True}


async def test_the_weekly_agenda_lists_the_next_two_weeks_once_per_week(world, clock):
    w = world
    intros_channel = w.guild.create_text_channel("kennismaken")
    # With the weekly introductions on Wednesday 14:30, the agenda comes then too.
    await w.officer.slash(w.general, "intro setup", channel=intros_channel, day=2, time="14:30")
    await create(world, start="2026-12-01 19:30", title="Borrel")
    await create(world, start="2026-12-10 19:30", title="Hack de Stad")
    await create(world, start="2026-12-20 10:00", title="Te ver weg")
    agenda_time = utc(2026, 12, 2, 13, 30)  # Wednesday 2 December, 14:30 CET
    for moment in (
        agenda_time - timedelta(minutes=1),
        agenda_time,
        agenda_time + timedelta(minutes=1),
        agenda_time + timedelta(hours=6),
    ):
        clock.now = moment
        await tick(w.env)
    agendas = [m for m in w.channel.history() if m.embeds and m.embeds[0].title == "Agenda: de komende twee weken"]
    assert len(agendas) == 1
    text = agendas[0].embeds[0].description
    assert "**Hack de Stad** (Hackathon) · gaan: 0" in text
    assert "Borrel" not in text and "Te ver weg" not in text  # over already; more than two weeks away
    clock.now = agenda_time + timedelta(days=7)
    await tick(w.env)
    async with w.env.bot.db.session() as session:
        weeks = sorted((await session.execute(select(AgendaPost.week))).scalars())
    assert weeks == ["2026-W49", "2026-W50"]
    assert len([m for m in w.channel.history() if m.embeds and m.embeds[0].title.startswith("Agenda")]) == 2


async def test_a_long_agenda_is_split_over_several_messages_not_cut(world, clock):
    w = world
    intros_channel = w.guild.create_text_channel("kennismaken")
    await w.officer.slash(w.general, "intro setup", channel=intros_channel, day=2, time="14:30")
    titles = []
    for n in range(27):
        title = (f"{n:02d} " + "Buurtkracht: samen werken aan eenzaamheid en wonen " * 2)[:100]
        titles.append(title)
        await create(w, start=f"2026-12-{3 + n % 12:02d} {10 + n % 10}:00", title=title)
    clock.now = utc(2026, 12, 2, 13, 30)  # Wednesday 2 December, 14:30 CET
    await tick(w.env)
    await tick(w.env)
    agendas = [m for m in w.channel.history() if m.embeds and m.embeds[0].title.startswith("Agenda")]
    assert len(agendas) >= 2
    assert [m.embeds[0].title for m in agendas][:2] == [
        "Agenda: de komende twee weken",
        "Agenda: de komende twee weken (2)",
    ]
    for message in agendas:
        assert len(message.embeds[0].description) <= 4096 and len(message.embeds[0]) <= 6000
    text = "\n".join(m.embeds[0].description for m in agendas)
    assert all(f"**{title}**" in text for title in titles)  # every event, none cut
    assert all(line.startswith("• <t:") for line in text.splitlines())
    async with w.env.bot.db.session() as session:
        [post] = (await session.execute(select(AgendaPost))).scalars()
    assert post.message_id == agendas[0].id


async def test_an_agenda_claimed_but_never_posted_goes_out_once_after_a_restart(world, clock, settings):
    w = world
    intros_channel = w.guild.create_text_channel("kennismaken")
    await w.officer.slash(w.general, "intro setup", channel=intros_channel, day=2, time="14:30")
    await create(world, start="2026-12-10 19:30", title="Hack de Stad")
    clock.now = utc(2026, 12, 2, 13, 30)  # Wednesday 2 December, 14:30 CET
    bot = w.env.bot
    async with bot.db.session() as session:
        assert await notice_service.claim_agenda(session, w.guild.id, "2026-W49", clock.now)
    async with bot.db.session() as session:
        [item] = await outbox.claim(session, clock.now, kinds=("agenda",))
    assert item.key == notice_service.agenda_key(w.guild.id, "2026-W49")

    await restart(w.env, settings, clock)
    clock.advance(minutes=1)
    await tick(w.env)
    assert [m for m in w.channel.history() if m.embeds and m.embeds[0].title.startswith("Agenda")] == []
    clock.advance(minutes=2)
    await tick(w.env)
    await tick(w.env)
    agendas = [m for m in w.channel.history() if m.embeds and m.embeds[0].title.startswith("Agenda")]
    assert len(agendas) == 1 and "**Hack de Stad**" in agendas[0].embeds[0].description
    assert nonces(w.env, w.channel.id)[-1] == (outbox.nonce(f"{item.key}:0"), True)
    async with bot.db.session() as session:
        [post] = (await session.execute(select(AgendaPost))).scalars()
    assert post.message_id == agendas[0].id
