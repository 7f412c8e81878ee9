"""The events service without Discord: parsing in the server's time zone, RSVPs with a waitlist,
and which notices are due (each once, catch-up after a restart, daylight saving)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.errors import UserError
from bot.services import experts
from bot.services.events import notices, records, rsvps, rules
from models import EventNotice

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
GUILD = 1


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03 19:30", utc(2026, 12, 3, 18, 30)),
        ("2026-12-03T19:30", utc(2026, 12, 3, 18, 30)),
        ("3-12-2026 19.30", utc(2026, 12, 3, 18, 30)),
        ("03/12/2026 om 9:05", utc(2026, 12, 3, 8, 5)),
        ("2027-07-01 19:30", utc(2027, 7, 1, 17, 30)),  # summer time: UTC+2
        # 02:30 happens twice on 25 October 2027: the first (summer-time) occurrence.
        ("2027-10-31 02:30", utc(2027, 10, 31, 0, 30)),
    ],
)
def test_start_is_read_in_the_server_time_zone(text, expected):
    assert rules.parse_start(text, AMS, NOW) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("morgen", "event.bad_start"),
        ("2026-13-01 10:00", "event.bad_start"),
        ("2026-02-30 10:00", "event.bad_start"),
        ("2026-12-03 25:00", "event.bad_start"),
        ("2026-11-27 12:59", "event.past"),  # 11:59 UTC: a minute ago
        ("2027-03-28 02:30", "event.skipped_time"),  # clocks jump from 02:00 to 03:00
    ],
)
def test_bad_starts_are_refused_with_their_reason(text, key):
    with pytest.raises(UserError) as refused:
        rules.parse_start(text, AMS, NOW)
    assert refused.value.key == key


def test_the_skipped_hour_of_2026_is_refused_too():
    with pytest.raises(UserError) as refused:
        rules.parse_start("2026-03-29 02:30", AMS, utc(2026, 3, 1))
    assert refused.value.key == "event.skipped_time"
    assert rules.parse_start("2026-03-29 03:00", AMS, utc(2026, 3, 1)) == utc(2026, 3, 29, 1, 0)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("90m", 90),
        ("2h", 120),
        ("2u", 120),
        ("1h30", 90),
        ("1u30m", 90),
        ("1:30", 90),
        ("1.5h", 90),
        ("48h", 2880),
        ("2d", 2880),
        ("15 min", 15),
    ],
)
def test_durations(text, minutes):
    assert rules.parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("lang", "event.bad_duration"),
        ("10m", "event.duration_range"),
        ("4d", "event.duration_range"),
        ("", "event.bad_duration"),
    ],
)
def test_bad_durations(text, key):
    with pytest.raises(UserError) as refused:
        rules.parse_duration(text)
    assert refused.value.key == key


def test_reminder_settings():
    assert rules.format_reminders(rules.parse_reminders("1h, 7d,1d")) == "7d,1d,1h"
    assert rules.format_reminders(rules.parse_reminders("24h 30m 2u")) == "1d,2h,30m"
    assert rules.parse_reminders("geen") == [] and rules.parse_reminders("none") == []
    for bad in ("7x", "1m", "31d", "1d,2d,3d,4d,5d,6d"):
        with pytest.raises(UserError):
            rules.parse_reminders(bad)


def test_day_reminders_keep_the_local_time_across_daylight_saving():
    # Tuesday 31 March 2026 19:30 CEST; a week earlier it was still CET.
    start = utc(2026, 3, 31, 17, 30)
    week, day, hour = rules.parse_reminders("7d,1d,1h")
    assert notices.due_instant(start, week, AMS) == utc(2026, 3, 24, 18, 30)  # 19:30 CET: 169 hours before
    assert notices.due_instant(start, day, AMS) == utc(2026, 3, 30, 17, 30)
    assert notices.due_instant(start, hour, AMS) == utc(2026, 3, 31, 16, 30)


def draft(**overrides):
    values = {
        "guild_id": GUILD,
        "kind": "meetup",
        "title": "Koffie & Kansen",
        "start": "2026-12-10 10:00",
        "duration": "2h",
        "location": "Pieter Vreedeplein, Tilburg",
        "channel_id": None,
        "capacity": None,
        "topics": None,
        "slot_minutes": None,
        "created_by": 99,
        "tz": AMS,
        "now": NOW,
    }
    values.update(overrides)
    return records.validate_draft(**values)


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"capacity": 0}, "event.bad_capacity"),
        ({"capacity": -3}, "event.bad_capacity"),
        ({"title": "x" * 101}, "event.title_too_long"),
        ({"location": None}, "event.location_missing"),
        ({"channel_id": 5}, "event.location_both"),
        ({"location": "y" * 101}, "event.location_too_long"),
        ({"kind": "expert_session"}, "event.topics_missing"),
        ({"topics": "subsidies"}, "event.session_only"),
        ({"kind": "expert_session", "topics": "subsidies", "slot_minutes": 5, "duration": "3h"}, "event.slot_count"),
        ({"kind": "expert_session", "topics": "subsidies", "slot_minutes": 2}, "event.bad_slot_minutes"),
    ],
)
def test_drafts_are_validated_before_anything_is_created(overrides, key):
    with pytest.raises(UserError) as refused:
        draft(**overrides)
    assert refused.value.key == key


def test_descriptions_keep_paragraphs_and_stay_within_the_limit():
    assert rules.clean_description("Eerste regel\r\n\r\n\r\n\r\nTweede\tregel  ") == "Eerste regel\n\nTweede regel"
    with pytest.raises(UserError) as refused:
        rules.clean_description("a" * 1001)
    assert refused.value.params == {"max": 1000, "length": 1001}
    with pytest.raises(UserError):
        rules.clean_description(" \n ")


async def stored(db, **overrides):
    async with db.session() as session:
        event = await records.insert_event(
            session, draft(**overrides), description="Welkom", native_event_id=None, channel_id=None, now=NOW, tz=AMS
        )
        return event.id


async def test_waitlist_fills_in_order_and_a_freed_place_goes_to_the_first(db):
    event_id = await stored(db, capacity=2)

    async def answer(user: int, status: str):
        async with db.session() as session:
            return await rsvps.rsvp(session, GUILD, event_id, user, status, NOW)

    assert (await answer(1, "going")).status == "going"
    assert (await answer(2, "going")).status == "going"
    third = await answer(3, "going")
    assert (third.status, third.position) == ("waitlist", 1)
    assert (await answer(4, "going")).position == 2
    again = await answer(3, "going")
    assert not again.changed and again.position == 1
    freed = await answer(1, "not_going")
    assert freed.promoted == (3,)
    assert (await answer(4, "maybe")).status == "maybe"  # leaves the waitlist
    async with db.session() as session:
        counts = (await records.counts(session, [event_id]))[event_id]
    assert counts == records.Counts(going=2, maybe=1, not_going=1, waitlist=0)
    # A larger capacity promotes nobody when nobody waits; a smaller one demotes nobody.
    assert not (await answer(1, "maybe")).promoted


async def test_no_answers_after_the_start_or_for_a_cancelled_event(db):
    event_id = await stored(db)
    async with db.session() as session:
        with pytest.raises(UserError) as late:
            await rsvps.rsvp(session, GUILD, event_id, 1, "going", utc(2026, 12, 10, 9, 0))
    assert late.value.key == "event.started"
    async with db.session() as session:
        await rsvps.cancel(session, GUILD, event_id, NOW)
    async with db.session() as session:
        with pytest.raises(UserError) as cancelled:
            await rsvps.rsvp(session, GUILD, event_id, 1, "going", NOW)
    assert cancelled.value.key == "event.is_cancelled"
    async with db.session() as session:
        with pytest.raises(UserError) as unknown:
            await rsvps.rsvp(session, 2, event_id, 1, "going", NOW)  # another server's event
    assert unknown.value.key == "event.unknown"


async def kinds(db, event_id):
    async with db.session() as session:
        rows = await session.execute(
            select(EventNotice.kind, EventNotice.sent_at.is_not(None)).where(EventNotice.event_id == event_id)
        )
        return {kind: sent for kind, sent in rows}


async def claim(db, now):
    async with db.session() as session:
        return [c.kind for c in await notices.claim_due_notices(session, now, "Europe/Amsterdam")]


async def test_each_reminder_is_claimed_once_at_its_time(db):
    event_id = await stored(db)  # Thursday 10 December 2026, 10:00 CET = 09:00 UTC
    assert await kinds(db, event_id) == {"announce": True}
    assert await claim(db, utc(2026, 12, 3, 8, 59)) == []
    assert await claim(db, utc(2026, 12, 3, 9, 0)) == ["remind_7d"]
    assert await claim(db, utc(2026, 12, 3, 9, 1)) == []
    assert await claim(db, utc(2026, 12, 9, 9, 0)) == ["remind_1d"]
    assert await claim(db, utc(2026, 12, 10, 8, 0)) == ["remind_1h"]
    assert await claim(db, utc(2026, 12, 10, 8, 30)) == []
    assert await kinds(db, event_id) == {
        "announce": True,
        "remind_7d": True,
        "remind_1d": True,
        "remind_1h": True,
    }


async def test_after_an_outage_only_the_latest_missed_reminder_is_sent(db):
    event_id = await stored(db)
    # Down from before the 7-day reminder until 20 hours before the start.
    assert await claim(db, utc(2026, 12, 9, 13, 0)) == ["remind_1d"]
    assert await kinds(db, event_id) == {"announce": True, "remind_7d": False, "remind_1d": True}
    assert await claim(db, utc(2026, 12, 10, 8, 0)) == ["remind_1h"]


async def test_reminders_missed_past_the_start_are_recorded_as_skipped(db):
    event_id = await stored(db)
    assert await claim(db, utc(2026, 12, 10, 9, 30)) == []
    assert await kinds(db, event_id) == {
        "announce": True,
        "remind_7d": False,
        "remind_1d": False,
        "remind_1h": False,
    }


async def test_a_new_event_skips_reminders_whose_time_passed(db):
    event_id = await stored(db, start="2026-11-29 10:00")  # in less than 7 days
    assert await kinds(db, event_id) == {"announce": True, "remind_7d": False}
    assert await claim(db, NOW) == []
    assert await claim(db, utc(2026, 11, 28, 9, 0)) == ["remind_1d"]


async def test_questions_go_out_an_hour_before_an_expert_session(db):
    event_id = await stored(db, kind="expert_session", topics="subsidies, circulaire economie")
    async with db.session() as session:
        assert await experts.ask(session, GUILD, event_id, 5, "Hoe vraag ik subsidie aan?", NOW) == 1
    assert await claim(db, utc(2026, 12, 10, 8, 0)) == ["remind_1h", "questions"]
    async with db.session() as session:
        with pytest.raises(UserError) as closed:
            await experts.ask(session, GUILD, event_id, 5, "Nog een vraag?", utc(2026, 12, 10, 8, 0))
    assert closed.value.key == "question.closed"


async def test_at_most_three_questions_per_member_of_at_most_500_characters(db):
    event_id = await stored(db, kind="expert_session", topics="subsidies")
    async with db.session() as session:
        for n in range(3):
            await experts.ask(session, GUILD, event_id, 5, f"Vraag nummer {n}?", NOW)
        with pytest.raises(UserError) as limit:
            await experts.ask(session, GUILD, event_id, 5, "Nog eentje?", NOW)
        with pytest.raises(UserError) as long:
            await experts.ask(session, GUILD, event_id, 6, "x" * 501, NOW)
    assert (limit.value.key, long.value.key) == ("question.limit", "question.too_long")


async def test_slots_one_per_member_one_member_per_slot(db):
    event_id = await stored(db, kind="expert_session", topics="subsidies", duration="1h", slot_minutes=20)
    first, second, third = [utc(2026, 12, 10, 9, 0) + timedelta(minutes=20 * i) for i in range(3)]
    async with db.session() as session:
        await experts.book(session, GUILD, event_id, 1, first, NOW)
        await experts.book(session, GUILD, event_id, 1, second, NOW)  # moves the booking
        with pytest.raises(UserError) as taken:
            await experts.book(session, GUILD, event_id, 2, second, NOW)
        view = await experts.slot_view(session, GUILD, event_id, 2, NOW)
    assert taken.value.key == "slot.taken"
    assert (view.free, view.mine, view.total) == ([first, third], None, 3)


async def test_linked_challenges_and_upcoming_hackathons(db):
    from models import Challenge

    hack = await stored(db, kind="hackathon", title="Hack de Stad")
    await stored(db, title="Borrel")
    async with db.session() as session:
        for title, status in (("Eenzaamheid", "open"), ("Oud", "closed")):
            session.add(
                Challenge(
                    guild_id=GUILD, title=title, description="-", skills="", event_id=hack, status=status, created_by=1
                )
            )
    async with db.session() as session:
        assert [title for _, title in await records.linked_challenges(session, hack)] == ["Eenzaamheid"]
        assert await records.upcoming_hackathons(session, GUILD, NOW) == [
            (hack, "Hack de Stad", utc(2026, 12, 10, 9, 0))
        ]


def test_the_agenda_comes_with_the_weekly_round_or_on_monday_morning():
    from datetime import time

    from models import GuildSettings

    plain = GuildSettings(guild_id=GUILD, intro_weekday=3, intro_hour=14, intro_minute=30)
    assert notices.agenda_time(plain) == (0, time(9, 0))  # no introductions set up: Monday 09:00
    plain.intro_channel_id = 5
    assert notices.agenda_time(plain) == (3, time(14, 30))
    assert notices.agenda_due(plain, utc(2026, 12, 3, 13, 30), "Europe/Amsterdam") == (
        "2026-W49",
        utc(2026, 12, 3, 13, 30),
    )
