"""Consent-first introductions: joining, pausing, proposing, answering, expiring, following up.

A proposal is only ever made to members who joined introductions and are not paused.
Both members are asked; only when both accept are they connected. A decline is never
shown to the other member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from bot import outbox
from bot.errors import UserError
from bot.services import learning, privacy
from bot.services.profiles import ensure_member
from bot.text import clean
from models import Answer, ConsentVia, Introduction, IntroParty, IntroStatus, Member, Met, Purpose, Visibility, utcnow

PROPOSAL_TTL = timedelta(days=7)
FOLLOWUP_AFTER = timedelta(days=7)
PAUSE_WEEKS = range(1, 13)
OUTCOME_MAX = 500


def is_active(member: Member, now: datetime) -> bool:
    return member.intro_joined and (member.intro_paused_until is None or member.intro_paused_until <= now)


@dataclass(frozen=True, slots=True)
class IntroOverview:
    joined: bool
    chance: bool
    paused_until: datetime | None
    pending: int
    connected: int


async def join(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    *,
    chance: bool,
    name: str | None,
    locale: str | None,
    now: datetime | None = None,
) -> Member:
    """Consent to introductions by DM (recorded with when and how)."""
    member = await ensure_member(session, guild_id, user_id, name=name, locale=locale)
    await privacy.give_consent(
        session, guild_id, user_id, Purpose.INTRODUCTIONS, via=ConsentVia.COMMAND, now=now or utcnow()
    )
    member.intro_joined = True
    member.intro_chance = chance
    member.intro_paused_until = None
    await session.flush()
    return member


async def _joined_member(session: AsyncSession, guild_id: int, user_id: int, locale: str | None) -> Member:
    member = (
        await session.execute(select(Member).where(Member.guild_id == guild_id, Member.user_id == user_id))
    ).scalar_one_or_none()
    if member is None or not member.intro_joined:
        raise UserError("intro.not_joined")
    if locale is not None:
        member.locale = locale
    return member


async def leave(session: AsyncSession, guild_id: int, user_id: int, *, locale: str | None = None) -> None:
    member = await _joined_member(session, guild_id, user_id, locale)
    member.intro_joined = False
    member.intro_paused_until = None
    await privacy.withdraw_consent(session, guild_id, user_id, Purpose.INTRODUCTIONS)
    await session.flush()


async def pause(
    session: AsyncSession, guild_id: int, user_id: int, weeks: int, *, now: datetime, locale: str | None = None
) -> datetime:
    if weeks not in PAUSE_WEEKS:
        raise UserError("intro.bad_pause", min=PAUSE_WEEKS.start, max=PAUSE_WEEKS.stop - 1)
    member = await _joined_member(session, guild_id, user_id, locale)
    member.intro_paused_until = now + timedelta(weeks=weeks)
    await session.flush()
    return member.intro_paused_until


async def overview(session: AsyncSession, guild_id: int, user_id: int, *, now: datetime) -> IntroOverview:
    member = (
        await session.execute(select(Member).where(Member.guild_id == guild_id, Member.user_id == user_id))
    ).scalar_one_or_none()
    if member is None:
        return IntroOverview(False, False, None, 0, 0)
    # What the member can know: their own answers. An introduction the other side declined reads as
    # open until it would have expired anyway, exactly like one the other side has not answered yet.
    rows = await session.execute(
        select(Introduction.status, Introduction.expires_at, IntroParty.answer)
        .join(IntroParty)
        .where(IntroParty.member_id == member.id)
    )
    pending = connected = 0
    for status, expires_at, own_answer in rows:
        if status == IntroStatus.CONNECTED.value:
            connected += 1
        elif status == IntroStatus.PENDING.value or (
            status == IntroStatus.DECLINED.value and own_answer != Answer.DECLINED.value and expires_at > now
        ):
            pending += 1
    paused = member.intro_paused_until if member.intro_paused_until and member.intro_paused_until > now else None
    return IntroOverview(
        joined=member.intro_joined,
        chance=member.intro_chance,
        paused_until=paused,
        pending=pending,
        connected=connected,
    )


async def recent_pairs(session: AsyncSession, guild_id: int, since: datetime) -> set[frozenset[int]]:
    """User-id pairs proposed to each other since ``since`` (whatever came of it): not proposed again."""
    a, b = aliased(IntroParty), aliased(IntroParty)
    stmt = (
        select(a.user_id, b.user_id)
        .join(b, and_(b.introduction_id == a.introduction_id, b.id > a.id))
        .join(Introduction, Introduction.id == a.introduction_id)
        .where(Introduction.guild_id == guild_id, Introduction.created_at >= since)
    )
    return {frozenset(row) for row in (await session.execute(stmt)).all()}


async def propose(
    session: AsyncSession,
    guild_id: int,
    user_a: int,
    user_b: int,
    *,
    score: float,
    reasons: list[dict[str, Any]],
    now: datetime,
    history: timedelta = timedelta(weeks=12),
    chance: bool = False,
    round_id: int | None = None,
    requested_by: int | None = None,
) -> Introduction:
    """Record a proposal between two joined, active members (nothing is sent here)."""
    if user_a == user_b:
        raise UserError("intro.self")
    members = {
        m.user_id: m
        for m in (
            await session.execute(
                select(Member).where(Member.guild_id == guild_id, Member.user_id.in_((user_a, user_b)))
            )
        ).scalars()
    }
    gone = await privacy.departed(session, guild_id)
    for user_id in (user_a, user_b):
        member = members.get(user_id)
        private = member is not None and member.visibility == Visibility.PRIVATE.value and user_id != requested_by
        if member is None or not is_active(member, now) or user_id in gone or private:
            raise UserError("intro.not_joined" if user_id == requested_by else "intro.unavailable")
    if frozenset((user_a, user_b)) in await recent_pairs(session, guild_id, now - history):
        raise UserError("intro.already")
    intro = Introduction(
        guild_id=guild_id,
        round_id=round_id,
        requested_by=requested_by,
        score=round(float(score), 1),
        reasons=reasons,
        chance=chance,
        status=IntroStatus.PENDING.value,
        expires_at=now + PROPOSAL_TTL,
        # The injected clock, not the wall clock: history and expiry follow the bot's time.
        created_at=now,
        parties=[IntroParty(member_id=members[u].id, user_id=u) for u in (user_a, user_b)],
    )
    session.add(intro)
    await session.flush()
    return intro


async def record_planned(
    session: AsyncSession,
    guild_id: int,
    pairs: list[tuple[int, int, float, list[dict[str, Any]], bool]],
    *,
    now: datetime,
    round_id: int,
) -> int:
    """Record a round's planned pairs (a, b, score, reasons, chance) in bulk; nothing is sent.

    The planner already left out inactive members and recent pairs, so this skips the
    per-pair checks of :func:`propose` (one query per pair would not scale to a large server).
    """
    users = {u for a, b, *_ in pairs for u in (a, b)}
    member_ids: dict[int, int] = {}
    ordered = sorted(users)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        rows = await session.execute(
            select(Member.user_id, Member.id).where(Member.guild_id == guild_id, Member.user_id.in_(chunk))
        )
        member_ids.update((user_id, member_id) for user_id, member_id in rows)
    session.add_all(
        Introduction(
            guild_id=guild_id,
            round_id=round_id,
            score=round(float(score), 1),
            reasons=reasons,
            chance=chance,
            status=IntroStatus.PENDING.value,
            expires_at=now + PROPOSAL_TTL,
            created_at=now,
            parties=[IntroParty(member_id=member_ids[u], user_id=u) for u in (a, b)],
        )
        for a, b, score, reasons, chance in pairs
    )
    await session.flush()
    return len(pairs)


async def get(session: AsyncSession, intro_id: int) -> Introduction | None:
    stmt = (
        select(Introduction)
        .where(Introduction.id == intro_id)
        .options(selectinload(Introduction.parties).selectinload(IntroParty.member))
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def party_of(intro: Introduction, user_id: int) -> IntroParty:
    for party in intro.parties:
        if party.user_id == user_id:
            return party
    raise UserError("intro.not_yours")


def other_party(intro: Introduction, user_id: int) -> IntroParty:
    return next(p for p in intro.parties if p.user_id != user_id)


@dataclass(frozen=True, slots=True)
class AnswerResult:
    intro: Introduction
    # "waiting" (the other has not answered), "connected", "declined", "expired"
    outcome: str


async def answer(
    session: AsyncSession, intro_id: int, user_id: int, *, accept: bool, now: datetime, locale: str | None = None
) -> AnswerResult:
    intro = await get(session, intro_id)
    if intro is None:
        raise UserError("intro.unknown")
    party = party_of(intro, user_id)
    if locale is not None:
        party.member.locale = locale
    taught = learning.signals(intro)  # learning (issue 12.4): what the introduction said before
    if intro.status == IntroStatus.PENDING.value and intro.expires_at <= now:
        intro.status = IntroStatus.EXPIRED.value
    if party.answer is not None:
        raise UserError("intro.already_answered")
    if intro.status == IntroStatus.EXPIRED.value:
        await session.flush()
        return AnswerResult(intro, "expired")
    party.answer = (Answer.ACCEPTED if accept else Answer.DECLINED).value
    party.answered_at = now
    if intro.status == IntroStatus.DECLINED.value:
        # The other member declined: they are never told, so this answer looks like any other.
        await session.flush()
        return AnswerResult(intro, "waiting" if accept else "declined")
    if not accept:
        intro.status = IntroStatus.DECLINED.value
        outcome = "declined"
    elif all(p.answer == Answer.ACCEPTED.value for p in intro.parties):
        intro.status = IntroStatus.CONNECTED.value
        intro.connected_at = now
        outcome = "connected"
    else:
        outcome = "waiting"
    await learning.learn(session, intro, taught)  # learning (issue 12.4): connected or declined
    await session.flush()
    return AnswerResult(intro, outcome)


async def set_thread(session: AsyncSession, intro_id: int, thread_id: int) -> None:
    intro = await session.get(Introduction, intro_id)
    if intro is not None:
        intro.thread_id = thread_id


async def record_prompt(
    session: AsyncSession, intro_id: int, user_id: int, *, channel_id: int | None, message_id: int | None
) -> None:
    party = (
        await session.execute(
            select(IntroParty).where(IntroParty.introduction_id == intro_id, IntroParty.user_id == user_id)
        )
    ).scalar_one()
    party.prompt_channel_id = channel_id
    party.prompt_message_id = message_id


def proposal_key(intro_id: int, user_id: int) -> str:
    return f"proposal:{intro_id}:{user_id}"


def followup_key(intro_id: int, user_id: int) -> str:
    return f"followup:{intro_id}:{user_id}"


async def claim_undelivered(session: AsyncSession, guild_id: int, now: datetime) -> list[tuple[int, int]]:
    """Put pending, unsent proposals in the outbox and return them as (introduction id, user id).

    One conditional ``UPDATE ... WHERE notified_at IS NULL ... RETURNING``: of two schedulers
    claiming at the same moment each row goes to exactly one (PostgreSQL re-checks the condition
    after waiting for the other's row lock; SQLite write transactions begin IMMEDIATE). In the
    same transaction each claimed proposal is recorded in the outbox (kind ``proposal``, key
    :func:`proposal_key`), so a crash after this commit loses nothing: the sender claims the
    outbox item, and an item claimed but never confirmed is sent again (at least once, with a nonce).
    """
    pending = select(Introduction.id).where(
        Introduction.guild_id == guild_id, Introduction.status == IntroStatus.PENDING.value
    )
    stmt = (
        update(IntroParty)
        .where(IntroParty.notified_at.is_(None), IntroParty.introduction_id.in_(pending.scalar_subquery()))
        .values(notified_at=now)
        .returning(IntroParty.introduction_id, IntroParty.user_id)
        .execution_options(synchronize_session=False)
    )
    claimed = sorted((intro_id, user_id) for intro_id, user_id in (await session.execute(stmt)).all())
    await outbox.enqueue_many(
        session,
        "proposal",
        ((proposal_key(i, u), {"intro": i, "user": u}) for i, u in claimed),
        now=now,
        guild_id=guild_id,
    )
    return claimed


async def expire_due(session: AsyncSession, now: datetime) -> list[Introduction]:
    stmt = (
        select(Introduction)
        .where(Introduction.status == IntroStatus.PENDING.value, Introduction.expires_at <= now)
        .options(selectinload(Introduction.parties))
    )
    expired = list((await session.execute(stmt)).scalars())
    for intro in expired:
        intro.status = IntroStatus.EXPIRED.value
    await session.flush()
    return expired


async def claim_followups(session: AsyncSession, now: datetime) -> list[Introduction]:
    """Connected introductions a week old whose "did you meet?" was not sent yet; put in the outbox.

    Claimed by one conditional ``UPDATE ... RETURNING`` (see :func:`claim_undelivered`), so two
    schedulers never both send it; in the same transaction one outbox item per member (kind
    ``followup``, key :func:`followup_key`) is recorded for the sender.
    """
    claim = (
        update(Introduction)
        .where(
            Introduction.status == IntroStatus.CONNECTED.value,
            Introduction.followup_sent_at.is_(None),
            Introduction.connected_at <= now - FOLLOWUP_AFTER,
        )
        .values(followup_sent_at=now)
        .returning(Introduction.id)
        .execution_options(synchronize_session=False)
    )
    claimed = sorted((await session.execute(claim)).scalars())
    if not claimed:
        return []
    stmt = (
        select(Introduction)
        .where(Introduction.id.in_(claimed))
        .order_by(Introduction.id)
        .options(selectinload(Introduction.parties).selectinload(IntroParty.member))
        .execution_options(populate_existing=True)
    )
    due = list((await session.execute(stmt)).scalars())
    for intro in due:
        await outbox.enqueue_many(
            session,
            "followup",
            ((followup_key(intro.id, p.user_id), {"intro": intro.id, "user": p.user_id}) for p in intro.parties),
            now=now,
            guild_id=intro.guild_id,
        )
    return due


async def record_met(session: AsyncSession, intro_id: int, user_id: int, met: Met) -> None:
    intro = await get(session, intro_id)
    if intro is None:
        raise UserError("intro.unknown")
    taught = learning.signals(intro)
    party_of(intro, user_id).met = met.value
    await learning.learn(session, intro, taught)  # learning (issue 12.4): "yes, we met" or "no"
    await session.flush()


async def record_outcome(session: AsyncSession, intro_id: int, user_id: int, text: str) -> str:
    cleaned = clean(text)
    if len(cleaned) > OUTCOME_MAX:
        raise UserError("intro.outcome_too_long", max=OUTCOME_MAX, length=len(cleaned))
    intro = await get(session, intro_id)
    if intro is None:
        raise UserError("intro.unknown")
    party = party_of(intro, user_id)
    taught = learning.signals(intro)
    party.met = Met.YES.value
    party.outcome = cleaned or None
    await learning.learn(session, intro, taught)  # learning (issue 12.4): an outcome is a "yes"
    await session.flush()
    return cleaned
