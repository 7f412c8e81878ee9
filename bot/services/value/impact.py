"""The impact overview of a period: numbers, the sector × sector flows, a monthly trend and value by
kind, aggregated in the database (a handful of GROUP BY queries, also at a million thanks).

Thanks are read from their daily counts (``value_thanks_daily``), so a period starts at midnight UTC.
Value comes from the thanks and from the outcomes other features store: introductions that
connected and met (with their outcome texts), event attendance (Going to an event that took place)
and finished challenges with their teams. Months are calendar months in UTC.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.services.value.thanks import get_settings, hours_of
from models import (
    Challenge,
    ChallengeMember,
    ChallengeStatus,
    Event,
    EventRsvp,
    EventStatus,
    Introduction,
    IntroParty,
    IntroStatus,
    Member,
    Met,
    RsvpStatus,
    Sector,
    ThanksDaily,
    ThanksKind,
)

UNKNOWN = "unknown"
SECTORS: tuple[str, ...] = (*(s.value for s in Sector), UNKNOWN)
THANKS_KINDS: tuple[str, ...] = tuple(k.value for k in ThanksKind)
# Value that other features record: a meeting after an introduction, a member on the team of a
# finished challenge, a member at an event.
OUTCOME_KINDS: tuple[str, ...] = ("met", "challenge", "event")
TREND_SERIES: tuple[str, ...] = ("proposed", "accepted", "met", "thanks", "attended", "challenges")
SUMMARY_KEYS: tuple[str, ...] = (
    "proposed",
    "accepted",
    "met",
    "outcomes",
    "thanks",
    "hours",
    "attended",
    "challenges",
    "team_members",
)
FLOW_SOURCES: tuple[str, ...] = ("accepted", "met", "thanks")
DEFAULT_DAYS = 90


@dataclass
class Impact:
    guild_id: int
    since: datetime
    until: datetime
    time_credits: bool
    summary: dict[str, float] = field(default_factory=dict)
    # (source, from sector, to sector) -> count; thanks run from the helper to the thanker,
    # introductions and meetings count in both directions.
    flows: dict[tuple[str, str, str], int] = field(default_factory=dict)
    # month -> series -> count
    trend: dict[str, dict[str, int]] = field(default_factory=dict)
    # kind -> (count, quarter hours)
    kinds: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def months(self) -> list[str]:
        return months_between(self.since, self.until)

    def matrix(self) -> list[list[int]]:
        """Rows: the sector that gave; columns: the sector that received; all sources together."""
        index = {s: i for i, s in enumerate(SECTORS)}
        grid = [[0] * len(SECTORS) for _ in SECTORS]
        for (_source, a, b), count in self.flows.items():
            grid[index[a]][index[b]] += count
        return grid

    def rows(self) -> list[tuple[str, str, str, str | float]]:
        """The underlying table, long format: (table, row, column, value); what the CSV holds."""
        out: list[tuple[str, str, str, str | float]] = [
            ("period", "since", "", self.since.isoformat()),
            ("period", "until", "", self.until.isoformat()),
        ]
        out += [("summary", key, "", self.summary.get(key, 0)) for key in SUMMARY_KEYS]
        for month in self.months:
            for series in TREND_SERIES:
                out.append(("trend", month, series, self.trend.get(month, {}).get(series, 0)))
        for (source, a, b), count in sorted(self.flows.items()):
            out.append((f"sectors_{source}", a, b, count))
        for kind in (*THANKS_KINDS, *OUTCOME_KINDS):
            count, quarters = self.kinds.get(kind, (0, 0))
            out.append(("kinds", kind, "count", count))
            if kind in THANKS_KINDS:
                out.append(("kinds", kind, "hours", hours_of(quarters)))
        return out


def months_between(since: datetime, until: datetime) -> list[str]:
    """Every calendar month (UTC) from ``since`` up to ``until``, as "YYYY-MM"."""
    start = since.astimezone(UTC)
    end = (until - timedelta(microseconds=1)).astimezone(UTC)
    year, month = start.year, start.month
    found = []
    while (year, month) <= (end.year, end.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _month(column: Any, dialect: str) -> Any:
    """A UTC timestamp column as "YYYY-MM" in SQL."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    # SQLite keeps UTC timestamps as ISO text.
    return func.substr(column, 1, 7)


def _sector(value: str | None) -> str:
    return value if value in SECTORS else UNKNOWN


def day_start(moment: datetime) -> datetime:
    """Midnight UTC of the moment's day: periods start at a whole day, as the daily counts do."""
    return datetime.combine(moment.astimezone(UTC).date(), time(0), tzinfo=UTC)


async def impact(session: AsyncSession, guild_id: int, since: datetime, until: datetime) -> Impact:
    """The numbers of [``since``, ``until``); ``since`` is taken back to the start of its UTC day."""
    since = day_start(since)
    dialect = session.get_bind().dialect.name
    settings = await get_settings(session, guild_id)
    result = Impact(guild_id=guild_id, since=since, until=until, time_credits=settings.time_credits)
    summary = dict.fromkeys(SUMMARY_KEYS, 0.0)
    trend: dict[str, dict[str, int]] = {m: dict.fromkeys(TREND_SERIES, 0) for m in result.months}
    flows: dict[tuple[str, str, str], int] = {}
    kinds: dict[str, tuple[int, int]] = {k: (0, 0) for k in (*THANKS_KINDS, *OUTCOME_KINDS)}

    def add_trend(month: str, series: str, count: int) -> None:
        trend.setdefault(month, dict.fromkeys(TREND_SERIES, 0))[series] += count

    def add_flow(source: str, a: str | None, b: str | None, count: int, *, both: bool) -> None:
        a, b = _sector(a), _sector(b)
        flows[(source, a, b)] = flows.get((source, a, b), 0) + count
        if both and a != b:
            flows[(source, b, a)] = flows.get((source, b, a), 0) + count

    # Thanks: from the daily counts (a few hundred rows a day at most, whatever the number of thanks).
    first_day = since.astimezone(UTC).date().isoformat()
    last_day = (until - timedelta(microseconds=1)).astimezone(UTC).date().isoformat()
    month = func.substr(ThanksDaily.day, 1, 7)
    stmt = (
        select(
            month,
            ThanksDaily.kind,
            ThanksDaily.helper_sector,
            ThanksDaily.thanker_sector,
            func.sum(ThanksDaily.count),
            func.sum(ThanksDaily.quarters),
        )
        .where(ThanksDaily.guild_id == guild_id, ThanksDaily.day >= first_day, ThanksDaily.day <= last_day)
        .group_by(month, ThanksDaily.kind, ThanksDaily.helper_sector, ThanksDaily.thanker_sector)
    )
    for m, kind, helper_sector, thanker_sector, count, quarters in (await session.execute(stmt)).all():
        count, quarters = int(count or 0), int(quarters or 0)
        add_trend(m, "thanks", count)
        add_flow("thanks", helper_sector, thanker_sector, count, both=False)
        old_count, old_quarters = kinds.get(kind, (0, 0))
        kinds[kind] = (old_count + count, old_quarters + quarters)
        summary["thanks"] += count
        summary["hours"] += hours_of(quarters)

    # Introductions proposed.
    month = _month(Introduction.created_at, dialect)
    stmt = (
        select(month, func.count())
        .where(Introduction.guild_id == guild_id, Introduction.created_at >= since, Introduction.created_at < until)
        .group_by(month)
    )
    for m, count in (await session.execute(stmt)).all():
        add_trend(m, "proposed", count)
        summary["proposed"] += count

    # Introductions accepted by both, whether they met, and their outcome texts, by both sectors.
    p1, p2 = aliased(IntroParty), aliased(IntroParty)
    m1, m2 = aliased(Member), aliased(Member)
    month = _month(Introduction.connected_at, dialect)
    met = case((or_(p1.met == Met.YES.value, p2.met == Met.YES.value), 1), else_=0)
    stories = case((p1.outcome.is_not(None), 1), else_=0) + case((p2.outcome.is_not(None), 1), else_=0)
    stmt = (
        select(month, m1.sector, m2.sector, func.count(), func.sum(met), func.sum(stories))
        .select_from(Introduction)
        .join(p1, p1.introduction_id == Introduction.id)
        .join(p2, and_(p2.introduction_id == Introduction.id, p1.id < p2.id))
        .join(m1, m1.id == p1.member_id)
        .join(m2, m2.id == p2.member_id)
        .where(
            Introduction.guild_id == guild_id,
            Introduction.status == IntroStatus.CONNECTED.value,
            Introduction.connected_at >= since,
            Introduction.connected_at < until,
        )
        .group_by(month, m1.sector, m2.sector)
    )
    for m, s1, s2, count, met_count, story_count in (await session.execute(stmt)).all():
        met_count, story_count = int(met_count or 0), int(story_count or 0)
        add_trend(m, "accepted", count)
        add_trend(m, "met", met_count)
        add_flow("accepted", s1, s2, count, both=True)
        if met_count:
            add_flow("met", s1, s2, met_count, both=True)
        summary["accepted"] += count
        summary["met"] += met_count
        summary["outcomes"] += story_count

    # Event attendance: Going to an event of the period that was not cancelled and has ended.
    month = _month(Event.starts_at, dialect)
    stmt = (
        select(month, func.count(EventRsvp.id))
        .join(EventRsvp, EventRsvp.event_id == Event.id)
        .where(
            Event.guild_id == guild_id,
            Event.status == EventStatus.SCHEDULED.value,
            Event.starts_at >= since,
            Event.ends_at <= until,
            EventRsvp.status == RsvpStatus.GOING.value,
        )
        .group_by(month)
    )
    for m, count in (await session.execute(stmt)).all():
        add_trend(m, "attended", count)
        summary["attended"] += count

    # Challenges finished in the period (their last change) and the members on their teams.
    month = _month(Challenge.updated_at, dialect)
    team = select(func.count(ChallengeMember.id)).where(ChallengeMember.challenge_id == Challenge.id).scalar_subquery()
    stmt = (
        select(month, func.count(Challenge.id), func.coalesce(func.sum(team), 0))
        .where(
            Challenge.guild_id == guild_id,
            Challenge.status == ChallengeStatus.DONE.value,
            Challenge.updated_at >= since,
            Challenge.updated_at < until,
        )
        .group_by(month)
    )
    for m, count, members in (await session.execute(stmt)).all():
        add_trend(m, "challenges", count)
        summary["challenges"] += count
        summary["team_members"] += int(members)

    kinds["met"] = (int(summary["met"]), 0)
    kinds["challenge"] = (int(summary["team_members"]), 0)
    kinds["event"] = (int(summary["attended"]), 0)
    result.summary = summary
    result.flows = flows
    result.trend = {m: trend[m] for m in sorted(trend)}
    result.kinds = kinds
    return result


CSV_NAME = "impact.csv"
CSV_HEADER = ("table", "row", "column", "value")


def to_csv(impact: Impact) -> str:
    """The underlying table as CSV text (long format, one value per line)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows(impact.rows())
    return buffer.getvalue()
