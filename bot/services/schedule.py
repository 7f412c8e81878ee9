"""When a server's weekly round is due, in its own time zone.

A round belongs to an ISO week of the server's local calendar. Its due instant is the
configured weekday and time in that week, turned into UTC with the zone rules of that
very day, so daylight-saving changes move the UTC instant, never the local hour. The
week key, unique per server in the database, is what makes a round happen only once.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

CATCH_UP = timedelta(hours=24)


def week_key(year: int, week: int) -> str:
    return f"{year:04d}-W{week:02d}"


def occurrence(year: int, week: int, weekday: int, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of ``weekday`` (0 = Monday) at local time ``at`` in ISO ``week``.

    With ``fold=0`` (PEP 495) a local time skipped in spring resolves to the moment one
    hour later on the wall clock (02:30 becomes 03:30), and a time that happens twice in
    autumn to its first occurrence: one instant either way.
    """
    day = datetime.fromisocalendar(year, week, weekday + 1).date()
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def due_round(now: datetime, weekday: int, at: time, tz: ZoneInfo) -> tuple[str, datetime] | None:
    """The round that should have run by ``now`` and may still run (at most 24 hours late), if any."""
    local_today = now.astimezone(tz).date()
    candidates = []
    for offset in (0, -7):
        year, week, _ = (local_today + timedelta(days=offset)).isocalendar()
        due = occurrence(year, week, weekday, at, tz)
        if due <= now:
            candidates.append((week_key(year, week), due))
    if not candidates:
        return None
    key, due = max(candidates, key=lambda c: c[1])
    return (key, due) if now - due <= CATCH_UP else None


def next_round(now: datetime, weekday: int, at: time, tz: ZoneInfo) -> datetime:
    """The first due instant strictly after ``now``."""
    local_today = now.astimezone(tz).date()
    for offset in (0, 7, 14):
        year, week, _ = (local_today + timedelta(days=offset)).isocalendar()
        due = occurrence(year, week, weekday, at, tz)
        if due > now:
            return due
    raise AssertionError("a weekly instant always exists within two weeks")
