"""Thanks between members, time credits (LETS-style), the server's value settings and members'
consent to have the thanks they receive shown.

A thanks is validated in one short unit of work (:func:`prepare`), posted (only when the thanked
member allows it) with no session open, and stored in a unit of work of its own (:func:`record`).
The thanked member is the *helper* (they gave something); the member who says thank you is the
*thanker* (they received it). With time credits on, the helper's hours count as given, the thanker's
as received; a balance is given minus received.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.errors import UserError
from bot.services import privacy
from bot.text import clean
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
    Purpose,
    RsvpStatus,
    Thanks,
    ThanksDaily,
    ThanksKind,
    ValueSettings,
    ValueSharing,
)

TEXT_MIN = 2
TEXT_MAX = 200
HOURS_MIN = 0.25
HOURS_MAX = 100.0
DAILY_LIMIT = 20
DAY = timedelta(hours=24)
# How many new thanks a profile view lists by name (the rest as "and N more").
NEW_SHOWN = 5
UNKNOWN_SECTOR = "unknown"


def quarters_of(hours: float | None) -> int | None:
    """Hours as whole quarter hours (rounded to the nearest quarter); None for no hours."""
    if hours is None:
        return None
    if not HOURS_MIN <= hours <= HOURS_MAX:
        raise UserError("thanks.bad_hours", min="¼", max=int(HOURS_MAX))
    return max(1, round(hours * 4))


def hours_of(quarters: int | None) -> float:
    return (quarters or 0) / 4


# --- settings -------------------------------------------------------------------------------------


async def get_settings(session: AsyncSession, guild_id: int) -> ValueSettings:
    """The server's value settings; defaults (not stored) when a moderator set nothing yet."""
    found = await session.get(ValueSettings, guild_id)
    if found is not None:
        return found
    return ValueSettings(guild_id=guild_id, channel_id=None, celebrate=True, time_credits=False)


async def configure(
    session: AsyncSession, guild_id: int, *, channel_id: int, celebrate: bool | None, time_credits: bool | None
) -> ValueSettings:
    settings = await get_settings(session, guild_id)
    if settings not in session:
        session.add(settings)
    settings.channel_id = channel_id
    if celebrate is not None:
        settings.celebrate = celebrate
    if time_credits is not None:
        settings.time_credits = time_credits
    await session.flush()
    return settings


async def allows_sharing(session: AsyncSession, guild_id: int, user_id: int) -> bool:
    stmt = select(ValueSharing.share_thanks).where(ValueSharing.guild_id == guild_id, ValueSharing.user_id == user_id)
    return bool((await session.execute(stmt)).scalar_one_or_none())


async def set_sharing(session: AsyncSession, guild_id: int, user_id: int, allow: bool) -> None:
    stmt = select(ValueSharing).where(ValueSharing.guild_id == guild_id, ValueSharing.user_id == user_id)
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        found = ValueSharing(guild_id=guild_id, user_id=user_id)
        session.add(found)
    found.share_thanks = allow
    await session.flush()


# --- recording a thanks ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """A validated thanks, not stored yet, with what its delivery needs to know."""

    guild_id: int
    thanker_id: int
    helper_id: int
    thanker_sector: str | None
    helper_sector: str | None
    kind: str
    text: str
    quarters: int | None
    # Hours were given but time credits are off in this server (recorded without them).
    hours_dropped: bool
    introduction_id: int | None
    event_id: int | None
    challenge_id: int | None
    # The value channel when the helper allows sharing, else None (counted anonymously).
    share_channel_id: int | None
    # The helper consented to DMs from the bot (the privacy service's consent to introductions by DM,
    # recorded by /intro join or the operator's import) and the language to write in.
    helper_dms: bool
    helper_locale: str | None


def validate_text(text: str) -> str:
    cleaned = clean(text)
    if len(cleaned) < TEXT_MIN:
        raise UserError("thanks.text_short", min=TEXT_MIN)
    if len(cleaned) > TEXT_MAX:
        raise UserError("thanks.text_long", max=TEXT_MAX, length=len(cleaned))
    return cleaned


def validate_kind(kind: str) -> str:
    if kind not in {k.value for k in ThanksKind}:
        raise UserError("thanks.bad_kind")
    return kind


async def given_today(session: AsyncSession, guild_id: int, thanker_id: int, now: datetime) -> int:
    stmt = select(func.count()).where(
        Thanks.guild_id == guild_id, Thanks.thanker_id == thanker_id, Thanks.created_at > now - DAY
    )
    return int((await session.execute(stmt)).scalar_one())


async def shared_context(
    session: AsyncSession, guild_id: int, a: int, b: int
) -> tuple[int | None, int | None, int | None]:
    """What two members share, most specific first: an introduction between them that connected, an
    event both said Going to, a challenge both are on the team of. Returns (introduction, event, challenge)
    with at most one set: the most recent of its kind."""
    pa, pb = aliased(IntroParty), aliased(IntroParty)
    intro = (
        await session.execute(
            select(Introduction.id)
            .join(pa, and_(pa.introduction_id == Introduction.id, pa.user_id == a))
            .join(pb, and_(pb.introduction_id == Introduction.id, pb.user_id == b))
            .where(Introduction.guild_id == guild_id, Introduction.status == IntroStatus.CONNECTED.value)
            .order_by(Introduction.connected_at.desc(), Introduction.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if intro is not None:
        return intro, None, None
    ra, rb = aliased(EventRsvp), aliased(EventRsvp)
    going = RsvpStatus.GOING.value
    event = (
        await session.execute(
            select(Event.id)
            .join(ra, and_(ra.event_id == Event.id, ra.user_id == a, ra.status == going))
            .join(rb, and_(rb.event_id == Event.id, rb.user_id == b, rb.status == going))
            .where(Event.guild_id == guild_id, Event.status == EventStatus.SCHEDULED.value)
            .order_by(Event.starts_at.desc(), Event.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if event is not None:
        return None, event, None
    ca, cb = aliased(ChallengeMember), aliased(ChallengeMember)
    challenge = (
        await session.execute(
            select(Challenge.id)
            .join(ca, and_(ca.challenge_id == Challenge.id, ca.user_id == a))
            .join(cb, and_(cb.challenge_id == Challenge.id, cb.user_id == b))
            .where(Challenge.guild_id == guild_id, Challenge.status != ChallengeStatus.CLOSED.value)
            .order_by(Challenge.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return None, None, challenge


async def _member(session: AsyncSession, guild_id: int, user_id: int) -> Member | None:
    stmt = select(Member).where(Member.guild_id == guild_id, Member.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def prepare(
    session: AsyncSession,
    guild_id: int,
    thanker_id: int,
    helper_id: int,
    *,
    helper_is_bot: bool,
    helper_in_server: bool,
    kind: str,
    text: str,
    hours: float | None,
    now: datetime,
) -> Draft:
    """Validate a thanks (nothing is written); a refused thanks raises a UserError."""
    if helper_id == thanker_id:
        raise UserError("thanks.self")
    if helper_is_bot:
        raise UserError("thanks.bot")
    # Discord's answer (``helper_in_server``) and the recorded departures: a member who left is refused.
    if not helper_in_server or not await privacy.is_present(session, guild_id, helper_id):
        raise UserError("thanks.not_member")
    kind = validate_kind(kind)
    cleaned = validate_text(text)
    quarters = quarters_of(hours)
    if await given_today(session, guild_id, thanker_id, now) >= DAILY_LIMIT:
        raise UserError("thanks.daily_limit", max=DAILY_LIMIT)
    settings = await get_settings(session, guild_id)
    hours_dropped = quarters is not None and not settings.time_credits
    if hours_dropped:
        quarters = None
    thanker, helper = await _member(session, guild_id, thanker_id), await _member(session, guild_id, helper_id)
    shares = settings.channel_id is not None and await allows_sharing(session, guild_id, helper_id)
    introduction_id, event_id, challenge_id = await shared_context(session, guild_id, thanker_id, helper_id)
    dms = helper_id in await privacy.consenting(session, guild_id, [helper_id], Purpose.INTRODUCTIONS)
    return Draft(
        guild_id=guild_id,
        thanker_id=thanker_id,
        helper_id=helper_id,
        thanker_sector=thanker.sector if thanker else None,
        helper_sector=helper.sector if helper else None,
        kind=kind,
        text=cleaned,
        quarters=quarters,
        hours_dropped=hours_dropped,
        introduction_id=introduction_id,
        event_id=event_id,
        challenge_id=challenge_id,
        share_channel_id=settings.channel_id if shares else None,
        helper_dms=dms,
        helper_locale=helper.locale if helper else None,
    )


async def record(
    session: AsyncSession, draft: Draft, *, now: datetime, channel_id: int | None = None, message_id: int | None = None
) -> int:
    """Store a prepared thanks (the daily limit is checked again in this unit of work); its id."""
    if await given_today(session, draft.guild_id, draft.thanker_id, now) >= DAILY_LIMIT:
        raise UserError("thanks.daily_limit", max=DAILY_LIMIT)
    row = Thanks(
        guild_id=draft.guild_id,
        thanker_id=draft.thanker_id,
        helper_id=draft.helper_id,
        thanker_sector=draft.thanker_sector,
        helper_sector=draft.helper_sector,
        kind=draft.kind,
        text=draft.text,
        quarters=draft.quarters,
        introduction_id=draft.introduction_id,
        event_id=draft.event_id,
        challenge_id=draft.challenge_id,
        channel_id=channel_id,
        message_id=message_id,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    await _count_daily(session, row)
    return row.id


async def _count_daily(session: AsyncSession, row: Thanks) -> None:
    """Add one thanks to its day's counts (an upsert: safe with two writers on the same day)."""
    values: dict[str, Any] = {
        "guild_id": row.guild_id,
        "day": row.created_at.astimezone(UTC).date().isoformat(),
        "kind": row.kind,
        "helper_sector": row.helper_sector or UNKNOWN_SECTOR,
        "thanker_sector": row.thanker_sector or UNKNOWN_SECTOR,
        "count": 1,
        "quarters": row.quarters or 0,
    }
    upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = upsert(ThanksDaily).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["guild_id", "day", "kind", "helper_sector", "thanker_sector"],
        set_={"count": ThanksDaily.count + 1, "quarters": ThanksDaily.quarters + values["quarters"]},
    )
    await session.execute(stmt)


def day_of(column: Any, dialect: str) -> Any:
    """A UTC timestamp column as "YYYY-MM-DD" in SQL."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    # SQLite keeps UTC timestamps as ISO text.
    return func.substr(column, 1, 10)


async def rebuild_daily(session: AsyncSession, guild_id: int) -> None:
    """Count a server's daily thanks again from the thanks themselves (after a bulk import)."""
    dialect = session.get_bind().dialect.name
    await session.execute(delete(ThanksDaily).where(ThanksDaily.guild_id == guild_id))
    day = day_of(Thanks.created_at, dialect)
    helper = func.coalesce(Thanks.helper_sector, literal(UNKNOWN_SECTOR))
    thanker = func.coalesce(Thanks.thanker_sector, literal(UNKNOWN_SECTOR))
    counted = (
        select(
            Thanks.guild_id,
            day,
            Thanks.kind,
            helper,
            thanker,
            func.count(),
            func.coalesce(func.sum(Thanks.quarters), 0),
        )
        .where(Thanks.guild_id == guild_id)
        .group_by(Thanks.guild_id, day, Thanks.kind, helper, thanker)
    )
    columns = ["guild_id", "day", "kind", "helper_sector", "thanker_sector", "count", "quarters"]
    await session.execute(insert(ThanksDaily).from_select(columns, counted))


async def mark_told(session: AsyncSession, thanks_id: int, now: datetime) -> None:
    await session.execute(update(Thanks).where(Thanks.id == thanks_id).values(told_at=now))


async def context_titles(session: AsyncSession, draft: Draft) -> tuple[str, str | None]:
    """What the thanks is linked to, as (kind, title): ("introduction", None), ("event", title), ..."""
    if draft.introduction_id is not None:
        return "introduction", None
    if draft.event_id is not None:
        event = await session.get(Event, draft.event_id)
        return "event", event.title if event else None
    if draft.challenge_id is not None:
        challenge = await session.get(Challenge, draft.challenge_id)
        return "challenge", challenge.title if challenge else None
    return "none", None


# --- balances and profile -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Balance:
    thanks_received: int
    thanks_given: int
    # Quarter hours the member gave (was thanked for) and received (thanked others for).
    quarters_given: int
    quarters_received: int

    @property
    def hours_given(self) -> float:
        return hours_of(self.quarters_given)

    @property
    def hours_received(self) -> float:
        return hours_of(self.quarters_received)

    @property
    def balance(self) -> float:
        return hours_of(self.quarters_given - self.quarters_received)


async def balance(session: AsyncSession, guild_id: int, user_id: int) -> Balance:
    as_helper = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Thanks.quarters), 0)).where(
                Thanks.guild_id == guild_id, Thanks.helper_id == user_id
            )
        )
    ).one()
    as_thanker = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Thanks.quarters), 0)).where(
                Thanks.guild_id == guild_id, Thanks.thanker_id == user_id
            )
        )
    ).one()
    return Balance(
        thanks_received=int(as_helper[0]),
        thanks_given=int(as_thanker[0]),
        quarters_given=int(as_helper[1] or 0),
        quarters_received=int(as_thanker[1] or 0),
    )


@dataclass(frozen=True, slots=True)
class Totals:
    thanks: int
    quarters: int

    @property
    def hours(self) -> float:
        return hours_of(self.quarters)


async def server_totals(session: AsyncSession, guild_id: int) -> Totals:
    """All thanks of a server and their hours, from the daily counts (fast at any size)."""
    count, quarters = (
        await session.execute(
            select(
                func.coalesce(func.sum(ThanksDaily.count), 0), func.coalesce(func.sum(ThanksDaily.quarters), 0)
            ).where(ThanksDaily.guild_id == guild_id)
        )
    ).one()
    return Totals(thanks=int(count or 0), quarters=int(quarters or 0))


@dataclass(frozen=True, slots=True)
class NewThanks:
    thanker_id: int
    kind: str
    text: str
    quarters: int | None


@dataclass(frozen=True, slots=True)
class ProfileValue:
    """What a profile shows of value: counts, hours when time credits are on, and new thanks."""

    balance: Balance
    time_credits: bool
    new: list[NewThanks] = field(default_factory=list)
    new_more: int = 0


async def profile_summary(
    session: AsyncSession, guild_id: int, user_id: int, *, own: bool, now: datetime
) -> ProfileValue | None:
    """A member's value for ``/profile show``. When they look at their own profile, the thanks they
    were not told about yet (their DMs were closed) are listed and marked as told. Another member
    sees the counts only of a member who lets thanks to them be shown (``/value share``); else None."""
    settings = await get_settings(session, guild_id)
    if not own and not await allows_sharing(session, guild_id, user_id):
        return None
    summary = await balance(session, guild_id, user_id)
    if not own:
        return ProfileValue(summary, settings.time_credits)
    stmt = (
        select(Thanks)
        .where(Thanks.guild_id == guild_id, Thanks.helper_id == user_id, Thanks.told_at.is_(None))
        .order_by(Thanks.created_at, Thanks.id)
    )
    untold = list((await session.execute(stmt)).scalars())
    for row in untold:
        row.told_at = now
    await session.flush()
    new = [NewThanks(r.thanker_id, r.kind, r.text, r.quarters) for r in untold[:NEW_SHOWN]]
    return ProfileValue(summary, settings.time_credits, new, max(0, len(untold) - NEW_SHOWN))
