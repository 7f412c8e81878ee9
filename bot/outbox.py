"""The outbox: messages recorded before they are sent, so a crash loses none of them.

Recipe for a sender (a feature's scheduled job; what this guarantees for which message is in the
README, "What is sent exactly once"; ``cogs/introductions/notify.py`` is a sender):

1. In the unit of work that decides a message is due, :func:`enqueue` (or :func:`enqueue_many`) it
   under a key that names the logical message (``proposal:<intro>:<user>``); a second enqueue of
   the key is a no-op.
2. :func:`claim` due items (one conditional ``UPDATE ... RETURNING``: of two schedulers each item
   goes to one), with no session open send each with ``nonce=item.nonce`` (discord.py then sets
   ``enforce_nonce``, so Discord drops a repeat of the same nonce within its nonce window),
3. then :func:`confirm` it with the message id, or :func:`fail` it (retried later, or given up).

An item claimed but never confirmed (the process died mid-send) is claimed again after
:data:`CLAIM_TIMEOUT`: delivery is **at least once**, and the nonce keeps a retry within
Discord's window from doubling the message. Services never import discord: this module neither.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import OutboxMessage

CLAIM_TIMEOUT = timedelta(minutes=2)
MAX_ATTEMPTS = 5
ERROR_MAX = 500


def nonce(key: str) -> str:
    """A stable Discord nonce for a message key: at most 19 digits (Discord allows 25 characters)."""
    return str(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") >> 1)


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    key: str
    kind: str
    guild_id: int | None
    payload: dict[str, Any]
    attempts: int

    @property
    def nonce(self) -> str:
        return nonce(self.key)


async def enqueue(
    session: AsyncSession, key: str, kind: str, payload: dict[str, Any], *, now: datetime, guild_id: int | None = None
) -> bool:
    """Record a message to send; False when its key was recorded before (it is sent once)."""
    exists = await session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key))
    if exists is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(
                OutboxMessage(key=key, kind=kind, guild_id=guild_id, payload=payload, attempts=0, created_at=now)
            )
    except IntegrityError:
        return False
    return True


async def enqueue_many(
    session: AsyncSession,
    kind: str,
    messages: Iterable[tuple[str, dict[str, Any]]],
    *,
    now: datetime,
    guild_id: int | None = None,
) -> int:
    """Record many messages (key, payload) of one kind at once; keys recorded before are left out.

    For the callers that just claimed what the keys name (one conditional update), so no other
    process records the same keys meanwhile. Returns how many were recorded.
    """
    wanted = dict(messages)
    keys = sorted(wanted)
    known: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        known.update((await session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(chunk)))).all())
    new = [key for key in keys if key not in known]
    session.add_all(
        OutboxMessage(key=key, kind=kind, guild_id=guild_id, payload=wanted[key], attempts=0, created_at=now)
        for key in new
    )
    await session.flush()
    return len(new)


def _due(now: datetime) -> Any:
    return or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at <= now - CLAIM_TIMEOUT)


async def claim(
    session: AsyncSession,
    now: datetime,
    *,
    kinds: tuple[str, ...] = (),
    guild_id: int | None = None,
    after: int = 0,
    limit: int = 100,
) -> list[Item]:
    """Claim up to ``limit`` unsent items, oldest first; each goes to one claimer.

    Only items of ``kinds`` and ``guild_id`` when given, and with an id above ``after`` (a sender
    working through many items passes the last id of its previous batch).
    """
    candidates = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.id > after, OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS, _due(now)
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if kinds:
        candidates = candidates.where(OutboxMessage.kind.in_(kinds))
    if guild_id is not None:
        candidates = candidates.where(OutboxMessage.guild_id == guild_id)
    stmt = (
        update(OutboxMessage)
        # The condition again: PostgreSQL re-checks it on a row another claimer just updated.
        .where(OutboxMessage.id.in_(candidates.scalar_subquery()), OutboxMessage.sent_at.is_(None), _due(now))
        .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .returning(
            OutboxMessage.id,
            OutboxMessage.key,
            OutboxMessage.kind,
            OutboxMessage.guild_id,
            OutboxMessage.payload,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(stmt)).all()
    return sorted((Item(*row) for row in rows), key=lambda item: item.id)


async def confirm(session: AsyncSession, item_id: int, *, now: datetime, message_id: int | None) -> None:
    """The message went out: never sent again."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == item_id)
        .values(sent_at=now, message_id=message_id, last_error=None)
        .execution_options(synchronize_session=False)
    )


async def fail(session: AsyncSession, item_id: int, error: str, *, permanent: bool = False) -> None:
    """Sending failed: retried at the next claim (up to MAX_ATTEMPTS), or never when ``permanent``."""
    values: dict[str, Any] = {"claimed_at": None, "last_error": error[:ERROR_MAX]}
    if permanent:
        values["attempts"] = MAX_ATTEMPTS
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == item_id, OutboxMessage.sent_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def counts(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Unsent items: waiting, being sent now, claimed but unconfirmed (to be retried), given up."""
    unsent = OutboxMessage.sent_at.is_(None)
    live = OutboxMessage.attempts < MAX_ATTEMPTS

    async def count(*where: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage).where(unsent, *where)) or 0)

    return {
        "outbox_waiting": await count(live, OutboxMessage.claimed_at.is_(None)),
        "outbox_sending": await count(OutboxMessage.claimed_at > now - CLAIM_TIMEOUT),
        "outbox_unconfirmed": await count(live, OutboxMessage.claimed_at <= now - CLAIM_TIMEOUT),
        "outbox_given_up": await count(OutboxMessage.attempts >= MAX_ATTEMPTS, _due(now)),
    }
