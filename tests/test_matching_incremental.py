"""The per-server matching cache: kept up to date in place, equal to a fresh build, bounded.

Every test changes the database the way the bot or the importer does, asks the cached
Matchmaker, and compares all suggestions with those of a Matchmaker that builds afresh.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from bot.db import Database
from bot.services import matchmaking, profiles, synonyms
from bot.services.importer import import_members
from bot.services.importer.parsing import parse_members
from bot.services.matching import load_vocabulary
from models import ItemKind, Member, MemberItem

GUILD = 4242
OTHER_GUILD = 4343
BASE = 310_000_000_000_000_000


def community_csv(n: int, seed: int = 5, base: int = BASE) -> str:
    """A small bilingual community built from the vocabulary's terms, as an import file."""
    rng = random.Random(seed)
    terms = [t for g in load_vocabulary().groups[:60] for t in g.terms[:2] if "," not in t and "|" not in t]
    templates = ["{}", "hulp bij {}", "advies over {}", "{} voor ouderen", "help with {}", "{} in de wijk"]
    sectors = ["government", "company", "social_enterprise", "knowledge_institution", "civil_society", "citizen", ""]

    def items() -> str:
        return "|".join(dict.fromkeys(rng.choice(templates).format(rng.choice(terms)) for _ in range(3)))

    lines = ["discord_id,name,sector,organisation,region,locale,offers,needs"]
    for i in range(n):
        lines.append(f"{base + i},Lid {i},{rng.choice(sectors)},,,nl,{items()},{items()}")
    return "\n".join(lines) + "\n"


async def load(db: Database, text: str, guild: int = GUILD) -> None:
    report = await import_members(db, guild, parse_members(text).rows, "nl")
    assert not report.rejected


async def everything(db: Database, matcher: matchmaking.Matchmaker, guild: int = GUILD) -> dict[int, list]:
    """Every member's suggestions (partner, score, reasons) from ``matcher``."""
    now = datetime.now(UTC)
    async with db.session() as session:
        users = list((await session.scalars(select(Member.user_id).where(Member.guild_id == guild))).all())
        found = {}
        for user in sorted(users):
            suggestions = await matcher.suggest(session, guild, user, now=now, limit=5)
            found[user] = [(s.user_id, s.score, s.reasons) for s in suggestions]
    return found


async def fresh(db: Database, guild: int = GUILD) -> dict[int, list]:
    return await everything(db, matchmaking.Matchmaker(), guild)


@pytest.fixture
async def world(db: Database) -> tuple[Database, matchmaking.Matchmaker]:
    await load(db, community_csv(60))
    matcher = matchmaking.Matchmaker()
    before = await everything(db, matcher)
    assert sum(map(len, before.values())) > 60  # the community has matches to lose or gain
    assert matcher.full_builds == 1
    return db, matcher


async def check_incremental(db: Database, matcher: matchmaking.Matchmaker, *, applied: int) -> None:
    """The cached matcher, updated in place, answers exactly as a fresh build does."""
    before = matcher.members_applied
    got = await everything(db, matcher)
    assert matcher.full_builds == 1, "the change should not rebuild the index"
    assert matcher.members_applied - before == applied
    assert got == await fresh(db)


async def test_adding_an_offer_updates_the_cache_in_place(world) -> None:
    db, matcher = world
    async with db.session() as session:
        await profiles.add_item(session, GUILD, BASE + 3, ItemKind.OFFER, "fondsenwerving voor stichtingen")
    await check_incremental(db, matcher, applied=1)


async def test_removing_a_need_updates_the_cache_in_place(world) -> None:
    db, matcher = world
    async with db.session() as session:
        need = (await profiles.list_items(session, GUILD, BASE + 7, ItemKind.NEED))[0]
        await profiles.remove_item(session, GUILD, BASE + 7, ItemKind.NEED, need)
    await check_incremental(db, matcher, applied=1)


async def test_removing_an_offer_by_a_core_statement_is_seen_through_the_member_stamp(world) -> None:
    db, matcher = world
    async with db.session() as session:
        member_id = await session.scalar(select(Member.id).where(Member.user_id == BASE + 9))
        await session.execute(delete(MemberItem).where(MemberItem.member_id == member_id))
        await session.execute(update(Member).where(Member.id == member_id).values(updated_at=datetime.now(UTC)))
    await check_incremental(db, matcher, applied=1)


async def test_deleting_an_item_loaded_on_its_own_stamps_its_member(world) -> None:
    db, matcher = world
    async with db.session() as session:
        member_id = await session.scalar(select(Member.id).where(Member.user_id == BASE + 13))
        item = (await session.scalars(select(MemberItem).where(MemberItem.member_id == member_id))).first()
        await session.delete(item)  # no member object in this session: the hook stamps the row
    await check_incremental(db, matcher, applied=1)


async def test_changing_a_sector_updates_the_cache_in_place(world) -> None:
    db, matcher = world
    async with db.session() as session:
        current = (await profiles.get_profile(session, GUILD, BASE + 11)).sector
        sector = "company" if current != "company" else "citizen"
        await profiles.set_profile(session, GUILD, BASE + 11, sector=sector)
    await check_incremental(db, matcher, applied=1)


async def test_a_new_member_and_a_member_who_left(world) -> None:
    db, matcher = world
    async with db.session() as session:
        await profiles.add_item(session, GUILD, BASE + 500, ItemKind.NEED, "vrijwilligers voor de buurt", name="Nieuw")
        await profiles.add_item(session, GUILD, BASE + 500, ItemKind.OFFER, "boekhouding")
        await session.execute(delete(Member).where(Member.guild_id == GUILD, Member.user_id == BASE + 2))
    # The newcomer is read; the one who left is noticed by the member count and dropped.
    await check_incremental(db, matcher, applied=1)
    index = await _index(db, matcher)
    assert BASE + 500 in index and BASE + 2 not in index


async def test_a_deleted_member_is_never_suggested_between_two_counts(world, monkeypatch) -> None:
    db, matcher = world
    monkeypatch.setattr(matchmaking, "COUNT_EVERY_S", 10**9)  # /match does not count the members again
    now = datetime.now(UTC)
    before = await everything(db, matcher)
    asker, [(gone, *_), *_] = next((user, found) for user, found in sorted(before.items()) if found)
    async with db.session() as session:
        await session.execute(delete(Member).where(Member.guild_id == GUILD, Member.user_id == gone))
    async with db.session() as session:
        got = await matcher.suggest(session, GUILD, asker, now=now, limit=5)
    assert gone not in [s.user_id for s in got]
    assert [(s.user_id, s.score, s.reasons) for s in got] == (await fresh(db))[asker]
    assert matcher.full_builds == 1
    index = await _index(db, matcher)
    assert gone not in index


async def test_a_reimport_applies_only_the_members_it_changed(world) -> None:
    db, matcher = world
    lines = community_csv(60).splitlines()
    # Five members get other offers and needs; the other 55 rows are unchanged.
    changed = community_csv(60, seed=99).splitlines()
    await load(db, "\n".join([lines[0], *changed[1:6], *lines[6:]]) + "\n")
    await check_incremental(db, matcher, applied=5)


async def test_a_pause_needs_no_rebuild(world) -> None:
    db, matcher = world
    async with db.session() as session:
        await session.execute(
            update(Member)
            .where(Member.guild_id == GUILD, Member.user_id == BASE + 4)
            .values(intro_paused_until=datetime.now(UTC) + timedelta(days=7), updated_at=datetime.now(UTC))
        )
    got = await everything(db, matcher)
    assert matcher.full_builds == 1
    assert got == await fresh(db)
    assert all(partner != BASE + 4 for found in got.values() for partner, _s, _r in found)


async def test_a_synonym_group_rebuilds_the_server_index(world) -> None:
    db, matcher = world
    async with db.session() as session:
        await synonyms.add_group(session, GUILD, "boekhouding, administratie, fondsenwerving", created_by=1)
    got = await everything(db, matcher)
    assert matcher.full_builds == 2  # the vocabulary changed: a rebuild (documented)
    assert got == await fresh(db)


async def test_changes_are_seen_again_within_the_overlap_without_work(world) -> None:
    db, matcher = world
    async with db.session() as session:
        await profiles.add_item(session, GUILD, BASE + 3, ItemKind.OFFER, "fondsenwerving voor stichtingen")
    await everything(db, matcher)
    applied = matcher.members_applied
    # The stamp is still within OVERLAP of the newest one: read again, but recognised.
    await everything(db, matcher)
    assert matcher.members_applied == applied


async def test_the_cache_drops_the_least_recently_used_server(db: Database) -> None:
    await load(db, community_csv(40), GUILD)
    await load(db, community_csv(40, seed=8, base=BASE + 10_000), OTHER_GUILD)
    matcher = matchmaking.Matchmaker(cache_mib=1024)
    async with db.session() as session:
        await matcher.index(session, GUILD)
        await matcher.index(session, OTHER_GUILD)
        assert matcher.cached_servers() == [GUILD, OTHER_GUILD]
        one = matcher.cached_bytes() // 2
        # A budget for about one index: asking for GUILD again drops OTHER_GUILD, not GUILD.
        matcher.budget = int(one * 1.5)
        await matcher.index(session, GUILD)
        assert matcher.cached_servers() == [GUILD]
        await matcher.index(session, OTHER_GUILD)
        assert matcher.cached_servers() == [OTHER_GUILD]
    assert matcher.full_builds == 3


async def _index(db: Database, matcher: matchmaking.Matchmaker):
    async with db.session() as session:
        return await matcher.index(session, GUILD)


async def test_two_requests_at_once_build_the_index_once(db: Database) -> None:
    await load(db, community_csv(30))
    matcher = matchmaking.Matchmaker()
    now = datetime.now(UTC)

    async def ask(user: int) -> list:
        async with db.session() as session:
            return await matcher.suggest(session, GUILD, user, now=now)

    first, second = await asyncio.gather(ask(BASE + 1), ask(BASE + 2))
    assert matcher.full_builds == 1
    assert first or second
