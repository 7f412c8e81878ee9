"""Analyses stored with the items: written by the minute job, cleared when they go stale, and used
by a build only when they fit the server's vocabulary."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.services import analyses, matchmaking, profiles, synonyms
from bot.services.matching import analysis as analysis_module
from bot.services.matching import stored
from bot.services.matching.scoring import Scorer, default_scorer
from models import ItemKind, MemberItem
from tests.test_matching_incremental import GUILD, community_csv, everything, load


async def _values(db: Database, guild: int = GUILD) -> list[str | None]:
    async with db.read() as session:
        return list((await session.scalars(select(MemberItem.analysis).where(MemberItem.guild_id == guild))).all())


def _refuse_to_analyse(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []
    original = analysis_module.Analyzer.analyze

    def counting(self: analysis_module.Analyzer, text: str) -> analysis_module.Features:
        asked.append(text)
        return original(self, text)

    monkeypatch.setattr(analysis_module.Analyzer, "analyze", counting)
    return asked


async def test_imported_texts_are_analysed_by_the_job_and_a_build_reads_them(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load(db, community_csv(40))
    assert set(await _values(db)) == {None}
    assert await analyses.keep_current(db) > 0
    values = await _values(db)
    key = stored.analysis_key(default_scorer().vocabulary)
    assert values and all(v is not None and v.startswith(key + ":") for v in values)
    analysed = await everything(db, matchmaking.Matchmaker())

    async with db.session() as session:  # as before this change: nothing stored
        await session.execute(update(MemberItem).values(analysis=None))
    # A fresh analyser, so no cache hides what is asked.
    monkeypatch.setattr(matchmaking, "scorer_of", lambda groups: Scorer())
    asked = _refuse_to_analyse(monkeypatch)
    assert await everything(db, matchmaking.Matchmaker()) == analysed
    assert asked  # without stored analyses every text is analysed

    await analyses.catch_up(db, GUILD)
    asked.clear()
    assert await everything(db, matchmaking.Matchmaker()) == analysed
    assert not asked  # every text's analysis was read


async def test_an_analysis_under_another_vocabulary_is_not_used(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    await load(db, community_csv(30))
    await analyses.keep_current(db)
    expected = await everything(db, matchmaking.Matchmaker())
    # Values that would change every match if they were read.
    wrong = stored.encode("0" * stored.KEY_CHARS, ("x", (("funding.fundraising", 1.0),), frozenset({"x"})))
    async with db.session() as session:
        await session.execute(update(MemberItem).values(analysis=wrong))
    monkeypatch.setattr(matchmaking, "scorer_of", lambda groups: Scorer())
    assert await everything(db, matchmaking.Matchmaker()) == expected
    # A stale value from older code is cleared at start (and made again by the minute job).
    async with db.session() as session:
        await analyses.forget_stale(session)
    assert set(await _values(db)) == {None}
    assert await analyses.keep_current(db) > 0
    key = stored.analysis_key(default_scorer().vocabulary)
    assert all(v is not None and v.startswith(key + ":") for v in await _values(db))


async def test_synonyms_clear_the_servers_analyses_and_the_job_makes_them_again(db: Database) -> None:
    await load(db, community_csv(20))
    await load(db, community_csv(10, base=320_000_000_000_000_000), guild=GUILD + 1)
    await analyses.keep_current(db)
    async with db.session() as session:
        await synonyms.add_group(session, GUILD, "kringloop, tweedehands", created_by=1)
    assert set(await _values(db)) == {None}
    assert None not in await _values(db, GUILD + 1)  # another server's stay
    assert await analyses.keep_current(db, per_run=5) == 5  # a few per run and server
    assert await analyses.keep_current(db) > 0
    async with db.read() as session:
        groups = await analyses.synonym_groups(session, GUILD)
    key = stored.analysis_key(analyses.scorer_of(groups).vocabulary)
    assert key != stored.analysis_key(default_scorer().vocabulary)
    assert all(v is not None and v.startswith(key + ":") for v in await _values(db))


async def test_a_new_offer_waits_for_the_job(db: Database) -> None:
    await load(db, community_csv(5))
    await analyses.keep_current(db)
    async with db.session() as session:
        await profiles.add_item(session, GUILD, 999, ItemKind.OFFER, "Fietsen repareren", name="Nieuw")
    async with db.read() as session:
        assert await analyses.servers_waiting(session) == [GUILD]
        count = await session.scalar(select(func.count()).where(MemberItem.analysis.is_(None)))
    assert count == 1
    assert await analyses.keep_current(db) == 1
    async with db.read() as session:
        assert await analyses.servers_waiting(session) == []


def test_stored_analyses_read_back_as_made() -> None:
    key = stored.analysis_key(default_scorer().vocabulary)
    analyzer = default_scorer().analyzer
    texts = ["Subsidie aanvragen voor een buurthuis", "3D-printen", "!!!", "hulp bij de boekhouding"]
    for text in texts:
        f = analyzer.analyze(text)
        analysed = (f.norm, f.concepts, f.head)
        assert stored.decode(key, stored.encode(key, analysed)) == analysed
    empty: stored.Analysed = ("", (), frozenset())
    assert stored.decode(key, stored.encode(key, empty)) == empty
    odd: stored.Analysed = ("a\x1fb", (("x", 0.5),), frozenset({"a"}))
    assert stored.encode(key, odd) == key + "!"  # cannot be written so: not read back wrongly
    assert stored.decode(key, key + "!") is None
    assert stored.decode(key, key + ":x\x1fa\x1e") is None  # damaged: analysed again
    assert stored.decode(key, None) is None


def test_the_key_is_the_same_in_every_process() -> None:
    # Sets in the vocabulary iterate in another order in each process.
    code = (
        "from bot.services.matching import stored, vocabulary;"
        "print(stored.analysis_key(vocabulary.load_vocabulary(extra=[['kringloop', 'tweedehands']])))"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(keys) == 1


async def test_analyses_made_while_the_synonyms_changed_are_not_stored(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load(db, community_csv(10))
    calls = []
    read = analyses.synonym_groups

    async def changing(session: AsyncSession, guild_id: int) -> list[list[str]]:
        calls.append(guild_id)
        # Read before analysing: none; read again before storing: a group was added meanwhile.
        return await read(session, guild_id) if len(calls) == 1 else [["kringloop", "tweedehands"]]

    monkeypatch.setattr(analyses, "synonym_groups", changing)
    assert await analyses.catch_up(db, GUILD) == 0
    assert len(calls) == 2 and set(await _values(db)) == {None}
