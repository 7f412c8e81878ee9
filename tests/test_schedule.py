"""Weekly round timing in Europe/Amsterdam, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.schedule import due_round, next_round, occurrence

AMS = ZoneInfo("Europe/Amsterdam")
MONDAY_9 = (0, time(9, 0))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_monday_nine_is_eight_utc_in_winter_and_seven_in_summer():
    assert occurrence(2026, 48, 0, time(9), AMS) == utc(2026, 11, 23, 8, 0)
    assert occurrence(2026, 27, 0, time(9), AMS) == utc(2026, 6, 29, 7, 0)


def test_due_from_the_minute_until_a_day_late():
    assert due_round(utc(2026, 11, 23, 7, 59), *MONDAY_9, AMS) is None
    assert due_round(utc(2026, 11, 23, 8, 0), *MONDAY_9, AMS) == ("2026-W48", utc(2026, 11, 23, 8, 0))
    assert due_round(utc(2026, 11, 24, 8, 0), *MONDAY_9, AMS) == ("2026-W48", utc(2026, 11, 23, 8, 0))
    # More than 24 hours late: skipped, the next week runs normally.
    assert due_round(utc(2026, 11, 24, 8, 1), *MONDAY_9, AMS) is None


def test_a_sunday_night_round_is_caught_up_on_monday_of_the_next_iso_week():
    assert due_round(utc(2026, 11, 30, 6, 0), 6, time(23, 0), AMS) == ("2026-W48", utc(2026, 11, 29, 22, 0))


def test_dst_weeks_have_one_round_each():
    # Spring forward 2026-03-29 (Sunday 02:00 -> 03:00); fall back 2026-10-25 (03:00 -> 02:00).
    spring = occurrence(2026, 13, 6, time(2, 30), AMS)  # 02:30 does not exist that night
    assert spring == utc(2026, 3, 29, 1, 30)
    assert spring.astimezone(AMS).hour == 3
    autumn = occurrence(2026, 43, 6, time(2, 30), AMS)  # 02:30 happens twice: the first counts
    assert autumn == utc(2026, 10, 25, 0, 30)
    # Monday 09:00 after each change stays 09:00 local.
    assert occurrence(2026, 14, 0, time(9), AMS).astimezone(AMS).hour == 9
    assert occurrence(2026, 44, 0, time(9), AMS).astimezone(AMS).hour == 9


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1)),
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
)
def test_minute_by_minute_every_week_is_due_under_one_key(start, weekday, hour, minute):
    """Walking through two weeks, each due instant appears once, under one week key."""
    at = time(hour, minute)
    now = start.replace(tzinfo=UTC)
    seen: dict[str, datetime] = {}
    upcoming = next_round(now, weekday, at, AMS)
    for _ in range(3):
        due = due_round(upcoming, weekday, at, AMS)
        assert due is not None and due[1] == upcoming
        key, instant = due
        assert key not in seen
        seen[key] = instant
        assert due_round(upcoming - timedelta(seconds=1), weekday, at, AMS) != due
        following = next_round(upcoming, weekday, at, AMS)
        assert timedelta(days=6, hours=22) <= following - upcoming <= timedelta(days=7, hours=2)
        upcoming = following
