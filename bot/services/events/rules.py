"""Limits and parsing of event input, in the server's time zone (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError
from bot.text import clean

TITLE_MAX = 100
DESCRIPTION_MAX = 1000
LOCATION_MAX = 100  # Discord's limit for an external event's location
TOPIC_MAX = 60
TOPICS_MAX = 10
CAPACITY_MAX = 10_000
DURATION_MIN = timedelta(minutes=15)
DURATION_MAX = timedelta(days=3)
SLOT_MINUTES = range(5, 241)
SLOTS_MAX = 25  # one select menu
REMINDERS_MAX = 5
REMINDER_MIN = timedelta(minutes=5)
REMINDER_MAX = timedelta(days=30)
QUESTIONS_LEAD = timedelta(hours=1)
# A member who booked a slot of an expert session is reminded this long before it.
SLOT_LEAD = timedelta(minutes=30)
# Events that ended up to this long ago still get their announcement marked as over.
OVER_LOOK_BACK = timedelta(days=30)
AGENDA_SPAN = timedelta(days=14)
# Events that started less than this long ago still get their missed notices recorded (as skipped).
LOOK_BACK = timedelta(days=1)

ANNOUNCE = "announce"
QUESTIONS = "questions"
OVER = "over"
SLOT_PREFIX = "slot_"
REMIND_PREFIX = "remind_"

_TOPIC_SPLIT = re.compile(r"[|,;\n]")
_START = re.compile(
    r"^\s*(?:(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})|(?P<d2>\d{1,2})[-/](?P<m2>\d{1,2})[-/](?P<y2>\d{4}))"
    r"(?:\s+|\s*[Tt]\s*)(?:om\s+|at\s+)?(?P<H>\d{1,2})[:.](?P<M>\d{2})\s*$"
)
_DURATION = re.compile(
    r"^(?:(?P<d>\d+)\s*(?:d|dag|dagen|days?)\s*)?"
    r"(?:(?P<h>\d+(?:[.,]\d+)?)\s*(?:h|u|uur|hrs?|hours?)\s*)?"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minutes?|minuten)?)?$"
)
_LEAD = re.compile(r"^(?P<n>\d+)\s*(?P<unit>d|h|m|u)$")


# --- parsing ---------------------------------------------------------------------------------


def parse_start(text: str, tz: ZoneInfo, now: datetime) -> datetime:
    """``2026-12-03 19:30`` (or ``3-12-2026 19:30``) in ``tz`` → an aware UTC instant in the future."""
    found = _START.match(text or "")
    if found is None:
        raise UserError("event.bad_start", value=(text or "")[:40])
    parts = found.groupdict()
    try:
        naive = datetime(
            int(parts["y"] or parts["y2"]),
            int(parts["m"] or parts["m2"]),
            int(parts["d"] or parts["d2"]),
            int(parts["H"]),
            int(parts["M"]),
        )
    except ValueError:
        raise UserError("event.bad_start", value=text[:40]) from None
    instant = naive.replace(tzinfo=tz).astimezone(UTC)
    # A wall-clock time skipped by daylight saving does not survive the round trip.
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        raise UserError("event.skipped_time", value=text.strip()[:40], zone=tz.key)
    if instant <= now:
        raise UserError("event.past", value=text.strip()[:40])
    return instant


def parse_duration(text: str) -> timedelta:
    """``90``, ``90m``, ``2h``, ``1h30``, ``1:30``, ``2u``, ``48h``, ``2d`` → a duration (15 minutes to 3 days)."""
    cleaned = (text or "").strip().lower()
    clock = re.fullmatch(r"(\d{1,2}):(\d{2})", cleaned)
    duration: timedelta | None = None
    if clock:
        duration = timedelta(hours=int(clock[1]), minutes=int(clock[2]))
    elif cleaned:
        found = _DURATION.match(cleaned)
        if found and any(found.groupdict().values()):
            hours = float((found["h"] or "0").replace(",", "."))
            duration = timedelta(days=int(found["d"] or 0), hours=hours, minutes=int(found["m"] or 0))
    if duration is None:
        raise UserError("event.bad_duration", value=(text or "")[:20])
    if not DURATION_MIN <= duration <= DURATION_MAX:
        raise UserError("event.duration_range", value=text.strip()[:20])
    return duration


@dataclass(frozen=True, slots=True)
class Lead:
    """A reminder's lead time before the start; its kind (``remind_1d``) names its notice."""

    delta: timedelta

    @property
    def label(self) -> str:
        minutes = int(self.delta.total_seconds() // 60)
        if minutes % 1440 == 0:
            return f"{minutes // 1440}d"
        if minutes % 60 == 0:
            return f"{minutes // 60}h"
        return f"{minutes}m"

    @property
    def kind(self) -> str:
        return REMIND_PREFIX + self.label

    @property
    def whole_days(self) -> bool:
        return self.delta % timedelta(days=1) == timedelta(0)


QUOTE_MAX = 60


def quote(text: str | None, limit: int = QUOTE_MAX) -> str:
    """What the member typed, whole, for an error message; clipped with "…" only when very long."""
    cleaned = clean(text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def parse_reminders(text: str | None) -> list[Lead]:
    """``7d,1d,1h`` → leads, longest first. ``none``, ``geen``, ``off`` or ``-`` → no reminders.

    An error quotes the whole input and names the part that is wrong.
    """
    cleaned = (text or "").strip().lower()
    if cleaned in ("", "none", "geen", "off", "uit", "-", "0"):
        return []
    leads: dict[timedelta, Lead] = {}
    for raw in re.split(r"[,;\s]+", cleaned):
        if not raw:
            continue
        found = _LEAD.match(raw)
        if found is None:
            raise UserError("event.bad_reminders", value=quote(text), part=quote(raw, 20))
        n, unit = int(found["n"]), found["unit"]
        delta = {"d": timedelta(days=n), "h": timedelta(hours=n), "u": timedelta(hours=n), "m": timedelta(minutes=n)}[
            unit
        ]
        if not REMINDER_MIN <= delta <= REMINDER_MAX:
            raise UserError("event.bad_reminders", value=quote(text), part=quote(raw, 20))
        leads[delta] = Lead(delta)
    if len(leads) > REMINDERS_MAX:
        raise UserError("event.too_many_reminders", max=REMINDERS_MAX)
    return sorted(leads.values(), key=lambda lead: lead.delta, reverse=True)


def format_reminders(leads: list[Lead]) -> str:
    return ",".join(lead.label for lead in leads)


def parse_topics(text: str | None) -> list[str]:
    """``circulaire economie, subsidies`` → distinct topics (each 2–60 characters, at most 10)."""
    topics: dict[str, str] = {}
    for raw in _TOPIC_SPLIT.split(text or ""):
        topic = clean(raw)
        if not topic:
            continue
        if not 2 <= len(topic) <= TOPIC_MAX:
            raise UserError("event.bad_topic", topic=topic[:TOPIC_MAX], max=TOPIC_MAX)
        topics.setdefault(topic.casefold(), topic)
    if len(topics) > TOPICS_MAX:
        raise UserError("event.too_many_topics", max=TOPICS_MAX)
    return list(topics.values())


def clean_description(text: str | None) -> str:
    """Keeps line breaks (at most one empty line in a row); other control characters become spaces."""
    lines = [clean(line) for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not joined:
        raise UserError("event.description_empty")
    if len(joined) > DESCRIPTION_MAX:
        raise UserError("event.description_too_long", max=DESCRIPTION_MAX, length=len(joined))
    return joined


def _title(text: str) -> str:
    title = clean(text)
    if len(title) < 2:
        raise UserError("event.title_short")
    if len(title) > TITLE_MAX:
        raise UserError("event.title_too_long", max=TITLE_MAX, length=len(title))
    return title


def _place(location: str | None, channel_id: int | None) -> str | None:
    text = clean(location) or None
    if text is not None and channel_id is not None:
        raise UserError("event.location_both")
    if text is None and channel_id is None:
        raise UserError("event.location_missing")
    if text is not None and len(text) > LOCATION_MAX:
        raise UserError("event.location_too_long", max=LOCATION_MAX, length=len(text))
    return text


def _capacity(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= CAPACITY_MAX:
        raise UserError("event.bad_capacity", value=value, max=CAPACITY_MAX)
    return value
