"""Learning from a server's introductions (issue 12, item 4).

An introduction stores its reasons: which need wording met which offer wording. What came of it
strengthens or weakens that *link* for the server:

* both members accepted (the introduction connected): +1;
* "yes, we met" (by either member, or an outcome written): +2;
* declined by either member: −1 (a decline is never shown to anyone, and neither is this);
* "no, we did not meet": −1.

Each introduction counts each signal once, whoever of the two gave it and however often a button
was pressed: :func:`learn` records the difference between what an introduction said before and
after a change, so "not yet" then "yes", or a "yes" corrected to "no", stay right.

A link's adjustment is bounded (:func:`adjustment`, at most ``MAX_ADJUSTMENT`` points either way,
and so is a suggestion's, whatever its number of reasons). It only re-ranks what the engine
proposed (:func:`apply`): it never adds a pair, never overrides a veto, and can drop a pair below
``DEFAULT_THRESHOLD``. Moderators' synonym groups are untouched; ``/synonym reset-learning`` wipes
a server's links (:func:`reset`).

Links are keyed by digests of the folded wordings (see ``models.learning``): no member ids and no
member text are stored. No discord here.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.matching.scoring import DEFAULT_THRESHOLD
from bot.text import fold
from models import Introduction, IntroStatus, LearnedLink, Met, utcnow

MAX_ADJUSTMENT = 5.0
# Pseudo-count of the adjustment: one signal moves a link by 5 × 1/4, many by almost 5.
PRIOR = 3
# Extra engine suggestions a caller asks for when something was learned, so that an item the
# learning demotes or drops can be replaced by the engine's next best.
LOOKAHEAD = 3

Link = tuple[str, str]


class Signal(enum.StrEnum):
    CONNECTED = "connected"
    DECLINED = "declined"
    MET_YES = "met_yes"
    MET_NO = "met_no"


# (positive, negative) counts a signal adds to each link of the introduction.
WEIGHTS: dict[Signal, tuple[int, int]] = {
    Signal.CONNECTED: (1, 0),
    Signal.DECLINED: (0, 1),
    Signal.MET_YES: (2, 0),
    Signal.MET_NO: (0, 1),
}


def text_key(text: str) -> str:
    """The stored key of a wording: a digest of its folded form (case, accents, spacing ignored)."""
    return hashlib.blake2b(fold(text).encode("utf-8"), digest_size=16).hexdigest()


def links(reasons: Iterable[Mapping[str, Any]]) -> list[Link]:
    """The distinct (need key, offer key) links of stored reasons, sorted; incomplete reasons are skipped."""
    found: set[Link] = set()
    for reason in reasons:
        need, offer = reason.get("need"), reason.get("offer")
        if isinstance(need, str) and isinstance(offer, str) and need.strip() and offer.strip():
            found.add((text_key(need), text_key(offer)))
    return sorted(found)


def adjustment(positive: int, negative: int) -> float:
    """Score points a link adds (or takes): ``MAX_ADJUSTMENT × (pos − neg) / (pos + neg + PRIOR)``,
    always strictly between −MAX_ADJUSTMENT and +MAX_ADJUSTMENT."""
    positive, negative = max(0, positive), max(0, negative)
    return MAX_ADJUSTMENT * (positive - negative) / (positive + negative + PRIOR)


def signals(intro: Introduction) -> frozenset[Signal]:
    """What an introduction says now (its parties must be loaded)."""
    found = set()
    if intro.status == IntroStatus.CONNECTED.value:
        found.add(Signal.CONNECTED)
    elif intro.status == IntroStatus.DECLINED.value:
        found.add(Signal.DECLINED)
    met = {party.met for party in intro.parties}
    if Met.YES.value in met:
        found.add(Signal.MET_YES)
    elif Met.NO.value in met:
        found.add(Signal.MET_NO)
    return frozenset(found)


def _insert(session: AsyncSession) -> sqlite.Insert | postgresql.Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(LearnedLink)
    if dialect == "postgresql":
        return postgresql.insert(LearnedLink)
    raise ValueError(f"learning supports SQLite and PostgreSQL, not {dialect}")


async def record(
    session: AsyncSession, guild_id: int, reasons: Iterable[Mapping[str, Any]], signal: Signal, *, undo: bool = False
) -> int:
    """Count ``signal`` (or take it back) on every link of ``reasons``; returns the number of links.

    One atomic upsert per link, so two members answering at once never lose a count. Counts never
    go below zero (taking back what a reset already wiped)."""
    positive, negative = WEIGHTS[signal]
    if undo:
        positive, negative = -positive, -negative
    table = LearnedLink.__table__.c
    found = links(reasons)
    for need_key, offer_key in found:
        now = utcnow()
        stmt = _insert(session).values(
            guild_id=guild_id,
            need_key=need_key,
            offer_key=offer_key,
            positive=max(0, positive),
            negative=max(0, negative),
            created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.guild_id, table.need_key, table.offer_key],
            set_={
                "positive": case((table.positive + positive < 0, 0), else_=table.positive + positive),
                "negative": case((table.negative + negative < 0, 0), else_=table.negative + negative),
                # ON CONFLICT skips the column's onupdate: the timestamp is set explicitly.
                "updated_at": stmt.excluded.updated_at,
            },
        )
        await session.execute(stmt)
    return len(found)


async def learn(session: AsyncSession, intro: Introduction, before: frozenset[Signal]) -> None:
    """Record what changed in what ``intro`` says since ``before`` (from :func:`signals`)."""
    after = signals(intro)
    for signal in sorted(after - before):
        await record(session, intro.guild_id, intro.reasons or [], signal)
    for signal in sorted(before - after):
        await record(session, intro.guild_id, intro.reasons or [], signal, undo=True)


async def weights(session: AsyncSession, guild_id: int) -> dict[Link, float]:
    """The server's links that move a score, with their adjustment in points."""
    rows = await session.execute(
        select(LearnedLink.need_key, LearnedLink.offer_key, LearnedLink.positive, LearnedLink.negative).where(
            LearnedLink.guild_id == guild_id
        )
    )
    found = {(need, offer): adjustment(pos, neg) for need, offer, pos, neg in rows}
    return {link: value for link, value in found.items() if value}


async def reset(session: AsyncSession, guild_id: int) -> int:
    """Forget everything the server's introductions taught; returns the number of links wiped."""
    result = await session.execute(delete(LearnedLink).where(LearnedLink.guild_id == guild_id))
    return int(getattr(result, "rowcount", 0) or 0)


class Scored(Protocol):
    """What :func:`apply` needs: ``matchmaking.Suggestion`` and ``matchmaking.Pair`` both fit."""

    @property
    def score(self) -> float: ...

    @property
    def reasons(self) -> list[dict[str, Any]]: ...


T = TypeVar("T", bound=Scored)


@dataclass(frozen=True, slots=True)
class Adjusted(Generic[T]):
    """An engine item as learning ranks it. ``item`` is unchanged (members keep seeing the engine's
    score and reasons, so nobody can read a decline from them); ``score`` orders and filters."""

    item: T
    score: float
    delta: float

    @property
    def explanation(self) -> str | None:
        """For moderators and logs, e.g. "+3.8 from introductions in this server"."""
        if not self.delta:
            return None
        return f"{self.delta:+.1f} from introductions in this server"


def delta(reasons: Iterable[Mapping[str, Any]], learned: Mapping[Link, float]) -> float:
    """The bounded adjustment of an item: its links' adjustments summed, within ±MAX_ADJUSTMENT."""
    total = sum(learned.get(link, 0.0) for link in links(reasons))
    return round(max(-MAX_ADJUSTMENT, min(MAX_ADJUSTMENT, total)), 1)


def apply(
    items: Sequence[T], learned: Mapping[Link, float], *, threshold: float = DEFAULT_THRESHOLD
) -> list[Adjusted[T]]:
    """Re-rank what the engine proposed by what the server learned, best first.

    Only given items come back (nothing is added). An item the learning pushes below
    ``threshold`` is left out; an item is never lifted over it (the engine proposed it already or
    did not). Ties keep the engine's order, which breaks its own ties by member id, so the result
    is the same on every run. With nothing learned the engine's list (best first) comes back as it was.
    """
    ranked: list[tuple[float, int, Adjusted[T]]] = []
    for position, item in enumerate(items):
        change = delta(item.reasons, learned) if learned else 0.0
        score = round(float(item.score) + change, 1)
        if change < 0 and score < threshold:
            continue
        ranked.append((-score, position, Adjusted(item, score, change)))
    ranked.sort(key=lambda entry: (entry[0], entry[1]))
    return [entry[2] for entry in ranked]
