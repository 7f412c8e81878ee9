"""Stored analyses of member items (see ``matching.stored``), so a round reads them instead of
analysing every text again.

A minute job of the bot analyses the items still without one (new offers and needs, an
import), and what makes them stale clears them: a server's synonym change (:func:`forget`) and
new analysing code (:func:`forget_stale`, once at start). Until then a build analyses those
texts itself, as it always could. A stale value that slips through (written while synonyms
changed) is never used: readers check its key against the server's vocabulary.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.services.matching import stored
from bot.services.matching.forms import spawn_helper
from bot.services.matching.scoring import DEFAULT_THRESHOLD, Scorer, default_scorer
from bot.services.matching.vocabulary import load_vocabulary
from models import MemberItem, SynonymGroup

# Texts stored per transaction: each updates every item with that text, and a short write keeps
# SQLite free for the bot's own writes in between.
SAVE_BATCH = 1_000
PER_RUN = 20_000  # texts the minute job analyses per server and run (about 2 s in a thread)


async def synonym_groups(session: AsyncSession, guild_id: int) -> list[list[str]]:
    rows = (
        await session.execute(
            select(SynonymGroup.terms).where(SynonymGroup.guild_id == guild_id).order_by(SynonymGroup.id)
        )
    ).scalars()
    return [terms.split("|") for terms in rows]


def scorer_of(groups: Sequence[Sequence[str]]) -> Scorer:
    """The scorer of a server with these synonym groups (shared by all servers without)."""
    if not groups:
        return default_scorer()
    return Scorer(load_vocabulary(extra=groups), threshold=DEFAULT_THRESHOLD)


async def servers_waiting(session: AsyncSession, limit: int = 100) -> list[int]:
    """Servers with items that have no analysis yet."""
    rows = await session.execute(
        select(MemberItem.guild_id).where(MemberItem.analysis.is_(None)).distinct().limit(limit)
    )
    return list(rows.scalars())


async def waiting(session: AsyncSession, guild_id: int, limit: int | None = None) -> list[tuple[str, str]]:
    """(folded, a text as written) of the server's items without an analysis."""
    query = (
        select(MemberItem.folded, func.min(MemberItem.text))
        .where(MemberItem.guild_id == guild_id, MemberItem.analysis.is_(None))
        .group_by(MemberItem.folded)
        .order_by(MemberItem.folded)
    )
    if limit is not None:
        query = query.limit(limit)
    return [(folded, text) for folded, text in await session.execute(query)]


async def save(session: AsyncSession, guild_id: int, values: Sequence[tuple[str, str]]) -> None:
    """Store (folded, encoded analysis) on every item of the server with that folded text."""
    statement = (
        update(MemberItem)
        .where(MemberItem.guild_id == guild_id, MemberItem.folded == bindparam("f"))
        .values(analysis=bindparam("a"))
        .execution_options(synchronize_session=False)
    )
    connection = await session.connection()
    await connection.execute(statement, [{"f": f, "a": a} for f, a in values])


async def forget(session: AsyncSession, guild_id: int) -> None:
    """The server's vocabulary changed: its analyses are made again (by the minute job)."""
    await session.execute(
        update(MemberItem)
        .where(MemberItem.guild_id == guild_id, MemberItem.analysis.is_not(None))
        .values(analysis=None)
        .execution_options(synchronize_session=False)
    )


async def forget_stale(session: AsyncSession) -> None:
    """Clear analyses made by other analysing code or another bundled vocabulary."""
    await session.execute(
        update(MemberItem)
        .where(
            MemberItem.analysis.is_not(None),
            func.substr(MemberItem.analysis, 1, stored.CODE_CHARS) != stored.CODE_KEY,
        )
        .values(analysis=None)
        .execution_options(synchronize_session=False)
    )


async def catch_up(
    db: Database,
    guild_id: int,
    *,
    limit: int | None = None,
    helpers: bool = False,
    off_loop: bool = False,
) -> int:
    """Analyse (up to ``limit`` of) the server's texts without an analysis and store them;
    returns how many. Reads, analyses and writes in turn: no session is open while analysing
    (in a thread with ``off_loop``; with ``helpers``, many texts are shared with a helper
    process)."""
    async with db.read() as session:
        groups = await synonym_groups(session, guild_id)
        todo = await waiting(session, guild_id, limit)
    if not todo:
        return 0
    scorer = scorer_of(groups)
    texts = [text for _folded, text in todo]
    if off_loop:
        found, _used = await asyncio.to_thread(stored.analyse_many, scorer, texts)
    else:
        many = helpers and stored.HELPER_MIN_TEXTS is not None and len(texts) >= stored.HELPER_MIN_TEXTS
        helper = spawn_helper() if many else None
        try:
            found, _used = stored.analyse_many(scorer, texts, helper)
        finally:
            if helper is not None:
                helper.close()
    key = stored.analysis_key(scorer.vocabulary)
    values = [(folded, stored.encode(key, analysed)) for (folded, _text), analysed in zip(todo, found, strict=True)]
    saved = 0
    for start in range(0, len(values), SAVE_BATCH):
        async with db.session() as session:
            # Synonyms changed meanwhile: these were made with the old ones (and were cleared).
            if stored.analysis_key(scorer_of(await synonym_groups(session, guild_id)).vocabulary) != key:
                return saved
            batch = values[start : start + SAVE_BATCH]
            await save(session, guild_id, batch)
        saved += len(batch)
    return saved


async def keep_current(db: Database, per_run: int = PER_RUN) -> int:
    """The minute job: analyse up to ``per_run`` waiting texts per server, in a thread.
    Safe to run anywhere at once: two runs store the same values."""
    async with db.read() as session:
        servers = await servers_waiting(session)
    done = 0
    for guild_id in servers:
        done += await catch_up(db, guild_id, limit=per_run, off_loop=True)
    return done
