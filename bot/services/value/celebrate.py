"""The monthly celebration: on the first Monday of a month at 09:00 server time, the value channel
gets a post about the month before (a calendar month in UTC, like every count of value).

Exactly once per server and month: the month is claimed (a unique row) before anything is sent.
Two schedulers on one database, or a restart between two ticks, find the claim and post nothing.
A post that could not be sent releases its claim, so a later tick tries again. After downtime the
post is caught up within a day of its time; later than that, the month is skipped. The due instant
is computed with the zone rules of that very day, so a daylight-saving change moves the UTC instant,
never the local hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.services import privacy
from bot.services.value.impact import Impact, impact
from models import Thanks, ValueCelebration, ValueSettings, ValueSharing

AT = time(9, 0)
CATCH_UP = timedelta(hours=24)
STORIES = 3
# Candidates for the stories: the post checks that both members are still in the server.
STORY_CANDIDATES = 12


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def first_monday(year: int, month: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of the first Monday of the month at 09:00 local time."""
    first = date(year, month, 1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    return datetime.combine(monday, AT, tzinfo=tz).astimezone(UTC)


def due_month(now: datetime, tz: ZoneInfo) -> str | None:
    """The month whose post is due at ``now`` (and not more than a day late), else None."""
    local = now.astimezone(tz)
    due = first_monday(local.year, local.month, tz)
    if due <= now <= due + CATCH_UP:
        return month_key(local.date())
    return None


def previous_month(month: str) -> tuple[datetime, datetime]:
    """The calendar month before ``month`` ("YYYY-MM") as UTC [start, end): the months of the counts."""
    year, number = (int(part) for part in month.split("-"))
    end = datetime(year, number, 1, tzinfo=UTC)
    start = datetime(year - 1, 12, 1, tzinfo=UTC) if number == 1 else datetime(year, number - 1, 1, tzinfo=UTC)
    return start, end


async def servers_celebrating(session: AsyncSession) -> list[int]:
    stmt = select(ValueSettings.guild_id).where(ValueSettings.channel_id.is_not(None), ValueSettings.celebrate)
    return list((await session.execute(stmt)).scalars())


async def claim(session: AsyncSession, guild_id: int, month: str, now: datetime) -> bool:
    """Record the month's post before it is sent; False when it was recorded before.

    Put in the outbox in the same transaction (kind ``celebration``, key :func:`celebration_key`):
    sent at least once from there, with a nonce."""
    try:
        async with session.begin_nested():
            session.add(ValueCelebration(guild_id=guild_id, month=month))
            await session.flush()
    except IntegrityError:
        return False
    key = celebration_key(guild_id, month)
    await outbox.enqueue(session, key, "celebration", {"month": month}, now=now, guild_id=guild_id)
    return True


def celebration_key(guild_id: int, month: str) -> str:
    return f"celebration:{guild_id}:{month}"


async def set_message(session: AsyncSession, guild_id: int, month: str, message_id: int) -> None:
    await session.execute(
        update(ValueCelebration)
        .where(ValueCelebration.guild_id == guild_id, ValueCelebration.month == month)
        .values(message_id=message_id)
    )


@dataclass(frozen=True, slots=True)
class Story:
    thanker_id: int
    helper_id: int
    kind: str
    text: str


@dataclass
class Highlights:
    month: str
    impact: Impact
    # Thanks across two different known sectors.
    cross_sector: int
    stories: list[Story] = field(default_factory=list)


async def highlights(session: AsyncSession, guild_id: int, month: str) -> Highlights:
    """What the post about the month before ``month`` shows. Stories are thanks whose thanked member
    allows sharing (now), longest first; all other thanks are only counted. The caller keeps the first
    :data:`STORIES` of them whose two members are still in the server."""
    since, until = previous_month(month)
    numbers = await impact(session, guild_id, since, until)
    cross = sum(count for (source, a, b), count in numbers.flows.items() if source == "thanks" and a != b)
    cross -= sum(
        count
        for (source, a, b), count in numbers.flows.items()
        if source == "thanks" and a != b and "unknown" in (a, b)
    )
    stmt = (
        select(Thanks.thanker_id, Thanks.helper_id, Thanks.kind, Thanks.text)
        .join(
            ValueSharing,
            (ValueSharing.guild_id == Thanks.guild_id)
            & (ValueSharing.user_id == Thanks.helper_id)
            & ValueSharing.share_thanks,
        )
        .where(
            Thanks.guild_id == guild_id,
            Thanks.created_at >= since,
            Thanks.created_at < until,
            # A member who left is never named.
            privacy.still_here(Thanks.guild_id, Thanks.helper_id),
            privacy.still_here(Thanks.guild_id, Thanks.thanker_id),
        )
        .order_by(func.length(Thanks.text).desc(), Thanks.id)
        .limit(STORY_CANDIDATES)
    )
    stories = [Story(*row) for row in (await session.execute(stmt)).all()]
    previous = month_key(since.date())
    return Highlights(month=previous, impact=numbers, cross_sector=cross, stories=stories)
