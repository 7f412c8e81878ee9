"""Privacy service on a migrated database: the schema walk, export, erasure, departures, retention, consent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import BigInteger, Column, ForeignKey, Integer, MetaData, String, Table, func, select, text

from bot.errors import UserError
from bot.services import intros, privacy
from models import (
    AgendaPost,
    Base,
    Challenge,
    ChallengeInvite,
    ChallengeMember,
    Consent,
    ConsentVia,
    Erasure,
    ErasureVia,
    Event,
    EventExpert,
    EventNotice,
    EventQuestion,
    EventRsvp,
    EventSlot,
    Expert,
    GuildDeparture,
    GuildSettings,
    Introduction,
    IntroParty,
    IntroRound,
    ItemKind,
    LearnedLink,
    Member,
    MemberDeparture,
    MemberItem,
    OutboxMessage,
    Purpose,
    ServiceLease,
    SynonymGroup,
    Thanks,
    ThanksDaily,
    ValueCelebration,
    ValueSettings,
    ValueSharing,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GUILD, OTHER_GUILD = 900_000_000_000_000_001, 900_000_000_000_000_002
ANNA, BEN, CARA = 700_000_000_000_000_011, 700_000_000_000_000_022, 700_000_000_000_000_033


async def fill(db) -> None:
    """A row in every table; Anna appears in every column that can name a member."""
    async with db.session() as s:
        s.add(GuildSettings(guild_id=GUILD, intro_channel_id=5))
        members = {}
        for guild, user, name in (
            (GUILD, ANNA, "Anna"),
            (GUILD, BEN, "Ben"),
            (GUILD, CARA, "Cara"),
            (OTHER_GUILD, ANNA, "Anna"),
        ):
            m = Member(guild_id=guild, user_id=user, name=name, locale="nl", intro_joined=True)
            m.items = [MemberItem(guild_id=guild, kind="offer", text=f"{name} helpt", folded=f"{name.lower()} helpt")]
            s.add(m)
            members[(guild, user)] = m
        await s.flush()
        rnd = IntroRound(guild_id=GUILD, week="2026-W48", due_at=NOW)
        s.add(rnd)
        await s.flush()

        def intro(a: int, b: int, *, requested_by=None, status="pending") -> Introduction:
            reasons = [{"need_of": a, "need": "x", "offer_of": b, "offer": "y", "score": 1.0}]
            i = Introduction(
                guild_id=GUILD,
                round_id=rnd.id,
                requested_by=requested_by,
                score=1.0,
                reasons=reasons,
                status=status,
                expires_at=NOW + timedelta(days=7),
            )
            i.parties = [
                IntroParty(member_id=members[(GUILD, a)].id, user_id=a, answer="accepted"),
                IntroParty(
                    member_id=members[(GUILD, b)].id, user_id=b, answer="declined" if status == "declined" else None
                ),
            ]
            s.add(i)
            return i

        intro(ANNA, BEN, requested_by=ANNA)
        intro(ANNA, CARA, status="declined")
        intro(BEN, CARA)
        event = Event(
            guild_id=GUILD,
            kind="expert_session",
            title="Vraag het de expert",
            starts_at=NOW + timedelta(days=3),
            ends_at=NOW + timedelta(days=3, hours=1),
            created_by=ANNA,
        )
        s.add(event)
        await s.flush()
        s.add_all(
            [
                EventRsvp(event_id=event.id, user_id=ANNA, status="going"),
                EventRsvp(event_id=event.id, user_id=BEN, status="maybe"),
                EventNotice(event_id=event.id, kind="announce", due_at=NOW),
                EventExpert(event_id=event.id, user_id=ANNA),
                EventQuestion(event_id=event.id, user_id=ANNA, text="Hoe werkt subsidie?"),
                EventSlot(event_id=event.id, user_id=ANNA, starts_at=NOW + timedelta(days=3)),
                Expert(guild_id=GUILD, user_id=ANNA, topics="subsidie"),
                AgendaPost(guild_id=GUILD, week="2026-W48", message_id=6),
                SynonymGroup(guild_id=GUILD, key="a|b", terms="a|b", created_by=ANNA),
                Consent(guild_id=GUILD, user_id=ANNA, purpose="introductions", via="command", given_at=NOW),
                Consent(guild_id=GUILD, user_id=BEN, purpose="introductions", via="import", given_at=NOW),
                MemberDeparture(guild_id=GUILD, user_id=ANNA, left_at=NOW),
                GuildDeparture(guild_id=OTHER_GUILD, left_at=NOW),
                LearnedLink(guild_id=GUILD, need_key="n" * 32, offer_key="o" * 32, positive=1),
                Erasure(subject_hash="0" * 64, salt="s", via="member", erased_at=NOW),
            ]
        )
        challenge = Challenge(
            guild_id=GUILD, title="Eenzaamheid", description="...", skills="zorg", created_by=ANNA, event_id=event.id
        )
        s.add(challenge)
        await s.flush()
        s.add_all(
            [
                ChallengeMember(challenge_id=challenge.id, user_id=ANNA),
                ChallengeMember(challenge_id=challenge.id, user_id=BEN),
                ChallengeInvite(challenge_id=challenge.id, user_id=ANNA),
            ]
        )
        # Value flows: Anna thanked Ben and was thanked by him; Ben thanked Cara; the counts name nobody.
        s.add_all(
            [
                ValueSettings(guild_id=GUILD, channel_id=7, celebrate=True, time_credits=True),
                ValueSharing(guild_id=GUILD, user_id=ANNA, share_thanks=True),
                ValueSharing(guild_id=GUILD, user_id=CARA, share_thanks=True),
                Thanks(guild_id=GUILD, thanker_id=ANNA, helper_id=BEN, kind="knowledge", text="Uitleg", quarters=4),
                Thanks(
                    guild_id=GUILD,
                    thanker_id=BEN,
                    helper_id=ANNA,
                    kind="space",
                    text="Een zaal",
                    challenge_id=challenge.id,
                ),
                Thanks(guild_id=GUILD, thanker_id=BEN, helper_id=CARA, kind="time", text="Hulp", event_id=event.id),
                ThanksDaily(
                    guild_id=GUILD,
                    day="2026-12-01",
                    kind="knowledge",
                    helper_sector="unknown",
                    thanker_sector="unknown",
                    count=3,
                    quarters=4,
                ),
                ValueCelebration(guild_id=GUILD, month="2026-12", message_id=8),
                OutboxMessage(
                    key="proposal:1:anna", kind="dm", guild_id=GUILD, payload={"user_id": ANNA}, created_at=NOW
                ),
                # The serving lease names a host and a process, never a member.
                ServiceLease(
                    name="serve", token="t", host="web-1", pid=1, acquired_at=NOW, heartbeat_at=NOW, expires_at=NOW
                ),
            ]
        )


async def all_cells(db) -> dict[str, list[tuple]]:
    async with db.session() as s:
        return {t.name: [tuple(r) for r in await s.execute(select(t))] for t in Base.metadata.sorted_tables}


def cells_naming(cells: dict[str, list[tuple]], user_id: int) -> list[str]:
    """Every table with a cell that holds the id, also inside text or JSON."""
    needle = str(user_id)
    return sorted(
        {name for name, rows in cells.items() for row in rows for v in row if needle in json.dumps(v, default=str)}
    )


# --- the schema walk ----------------------------------------------------------------------


def test_every_column_that_can_name_a_member_is_covered_by_export_and_erasure():
    gaps = privacy.schema_gaps()
    assert not gaps.uncovered, f"add these to privacy.MEMBER_COLUMNS: {gaps.uncovered}"
    assert not gaps.undecided, (
        f"say whether these hold a member (MEMBER_COLUMNS or NOT_MEMBER_COLUMNS): {gaps.undecided}"
    )
    assert not gaps.stale, f"no such columns any more: {gaps.stale}"


def test_the_walk_finds_a_new_table_that_names_members():
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table(
        "thanks",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("guild_id", BigInteger),
        Column("from_user_id", BigInteger),
        Column("mentor", BigInteger),
        Column("helper", BigInteger, info={"member": True}),
        Column("member_ref", Integer, ForeignKey("members.id")),
        Column("note", String(10)),
    )
    gaps = privacy.schema_gaps(metadata)
    assert sorted(gaps.uncovered) == ["thanks.from_user_id", "thanks.helper", "thanks.member_ref"]
    assert gaps.undecided == ["thanks.mentor"]
    assert bool(gaps)


async def test_the_rows_fill_every_table(db):
    # Export and erasure are tested against a row in every table: a new table needs rows in fill().
    await fill(db)
    assert [name for name, rows in (await all_cells(db)).items() if not rows and name != "alembic_version"] == []


# --- export -------------------------------------------------------------------------------


async def test_export_holds_every_row_that_names_the_member_and_nothing_of_another_server(db):
    await fill(db)
    async with db.session() as s:
        data = await privacy.export_member(s, GUILD, ANNA, now=NOW)
    json.dumps(data)  # JSON-able
    tables = data["tables"]
    assert set(tables) == {
        "members",
        "member_items",
        "introductions",
        "intro_parties",
        "events",
        "event_rsvps",
        "event_experts",
        "event_questions",
        "event_slots",
        "experts",
        "challenges",
        "challenge_members",
        "challenge_invites",
        "synonym_groups",
        "consents",
        "member_departures",
        "value_thanks",
        "value_sharing",
        "outbox_messages",
    }
    assert [m["name"] for m in tables["members"]] == ["Anna"]
    assert tables["members"][0]["user_id"] == str(ANNA) and tables["members"][0]["guild_id"] == str(GUILD)
    assert len(tables["introductions"]) == 2
    # Only Anna's own side of each introduction, and nothing that tells Cara declined.
    assert {p["user_id"] for p in tables["intro_parties"]} == {str(ANNA)}
    assert {i["status"] for i in tables["introductions"]} == {"open_or_ended"}
    assert "declined" not in json.dumps(data)
    assert [q["text"] for q in tables["event_questions"]] == ["Hoe werkt subsidie?"]
    assert {c["user_id"] for c in tables["challenge_members"]} == {str(ANNA)}
    # Her thanks, given and received; not the one between Ben and Cara.
    assert sorted(t["text"] for t in tables["value_thanks"]) == ["Een zaal", "Uitleg"]
    assert [v["user_id"] for v in tables["value_sharing"]] == [str(ANNA)]


async def test_export_of_a_stranger_is_empty(db):
    await fill(db)
    async with db.session() as s:
        assert (await privacy.export_member(s, GUILD, 123, now=NOW))["tables"] == {}
        assert not await privacy.knows_member(s, GUILD, 123)
        assert await privacy.knows_member(s, GUILD, ANNA)
        assert not await privacy.knows_guild(s, 42)
        assert await privacy.knows_guild(s, GUILD)


# --- erasure ------------------------------------------------------------------------------


async def test_erasure_leaves_no_cell_holding_the_member_and_keeps_others_intact(db):
    await fill(db)
    before = await all_cells(db)
    assert "members" in cells_naming(before, ANNA)
    async with db.session() as s:
        touched = await privacy.erase_member(s, GUILD, ANNA, via=ErasureVia.MEMBER, now=NOW)
    assert touched["members"] == 1 and touched["introductions"] == 2
    after = await all_cells(db)
    # Nothing in the server names Anna; only her membership in the other server remains.
    async with db.session() as s:
        assert not await privacy.knows_member(s, GUILD, ANNA)
        assert await privacy.knows_member(s, OTHER_GUILD, ANNA)
        remaining = (await s.execute(select(Member.guild_id).where(Member.user_id == ANNA))).scalars().all()
        assert remaining == [OTHER_GUILD]
        # Ben and Cara keep their introduction with each other, their profiles, Ben's answer to the event.
        assert (await s.scalar(select(func.count()).select_from(Introduction))) == 1
        assert (await s.scalar(select(func.count()).select_from(Member).where(Member.guild_id == GUILD))) == 2
        assert (await s.execute(select(EventRsvp.user_id))).scalars().all() == [BEN]
        # Community content stays, without her id.
        assert (await s.execute(select(Event.created_by))).scalars().all() == [privacy.ERASED]
        assert (await s.execute(select(Challenge.created_by))).scalars().all() == [privacy.ERASED]
        assert (await s.execute(select(ChallengeMember.user_id))).scalars().all() == [BEN]
        # Thanks she gave or received go; Ben's thanks to Cara, the server's counts and posts stay.
        assert (await s.execute(select(Thanks.text))).scalars().all() == ["Hulp"]
        assert (await s.execute(select(ValueSharing.user_id))).scalars().all() == [CARA]
        assert await s.scalar(select(ThanksDaily.count)) == 3
        assert await s.scalar(select(func.count()).select_from(ValueCelebration)) == 1
        # The trace of the erasure holds a hash, no id.
        assert len(await privacy.was_erased(s, GUILD, ANNA)) == 1
        assert await privacy.was_erased(s, GUILD, BEN) == []
    rows_naming_anna = [name for name in cells_naming(after, ANNA) if name != "members"]
    assert rows_naming_anna == []
    assert all(str(ANNA) not in json.dumps(r, default=str) for r in after["erasures"])
    # Her rows in the other server are untouched.
    assert len(after["member_items"]) == len(before["member_items"]) - 1


async def test_erasing_a_stranger_changes_nothing_and_records_nothing(db):
    await fill(db)
    before = await all_cells(db)
    async with db.session() as s:
        assert await privacy.erase_member(s, GUILD, 123, via=ErasureVia.OPERATOR, now=NOW) == {}
    assert await all_cells(db) == before


# --- departures and retention ---------------------------------------------------------------


async def test_leaving_ends_open_proposals_silently_and_coming_back_undoes_the_mark(db):
    await fill(db)
    async with db.session() as s:
        assert await privacy.mark_left(s, GUILD, BEN, now=NOW)
        assert not await privacy.mark_left(s, GUILD, BEN, now=NOW)  # once
        assert not await privacy.mark_left(s, GUILD, 123, now=NOW)  # nothing stored: nothing recorded
        assert await privacy.departed(s, GUILD) == {ANNA, BEN}
        assert not await privacy.is_present(s, GUILD, BEN)
        assert await privacy.is_present(s, GUILD, CARA)
        statuses = dict((await s.execute(select(Introduction.id, Introduction.status))).all())
    assert sorted(statuses.values()) == ["declined", "expired", "expired"]
    async with db.session() as s:
        assert await privacy.came_back(s, GUILD, BEN)
        assert await privacy.is_present(s, GUILD, BEN)


async def test_purge_erases_members_and_servers_that_left_longer_ago_than_the_retention(db):
    await fill(db)
    async with db.session() as s:
        await privacy.mark_left(s, GUILD, BEN, now=NOW + timedelta(days=20))
    async with db.session() as s:
        early = await privacy.purge(s, now=NOW + timedelta(days=29), retention_days=30)
    assert early.guilds == [] and early.members == 0
    async with db.session() as s:
        report = await privacy.purge(s, now=NOW + timedelta(days=30), retention_days=30)
    assert report.guilds == [OTHER_GUILD] and report.members == 1
    async with db.session() as s:
        assert not await privacy.knows_guild(s, OTHER_GUILD)
        assert not await privacy.knows_member(s, GUILD, ANNA)
        assert await privacy.knows_member(s, GUILD, BEN)  # left 10 days before: kept
        assert await privacy.departed(s, GUILD) == {BEN}
        assert await s.scalar(select(func.count()).select_from(GuildDeparture)) == 0
        # Records of the erasure are no data of the server and stay.
        assert await s.scalar(select(func.count()).select_from(Erasure)) == 2


async def test_reconciliation_finds_who_left_and_came_back_while_the_bot_was_offline(db):
    await fill(db)
    async with db.session() as s:
        found = await privacy.reconcile_guild(s, GUILD, present={ANNA, CARA, 555}, now=NOW)
        assert found.left == [BEN] and found.returned == [ANNA]
        assert await privacy.departed(s, GUILD) == {BEN}
        servers = await privacy.reconcile_guilds(s, present={OTHER_GUILD}, now=NOW)
        assert servers.left == [GUILD] and servers.returned == [OTHER_GUILD]
        assert await privacy.departed_guilds(s) == {GUILD}
        assert not await privacy.is_present(s, GUILD, CARA)


# --- consent --------------------------------------------------------------------------------


async def test_consent_is_recorded_per_purpose_with_when_and_how(db):
    async with db.session() as s:
        assert await privacy.give_consent(
            s, GUILD, ANNA, Purpose.EVENT_NOTICES, via=ConsentVia.BUTTON, now=NOW, scope_id=7
        )
        assert not await privacy.give_consent(
            s, GUILD, ANNA, Purpose.EVENT_NOTICES, via=ConsentVia.BUTTON, now=NOW, scope_id=7
        )
        assert await privacy.has_consent(s, GUILD, ANNA, Purpose.EVENT_NOTICES, scope_id=7)
        assert not await privacy.has_consent(s, GUILD, ANNA, Purpose.EVENT_NOTICES, scope_id=8)
        assert not await privacy.has_consent(s, GUILD, ANNA, Purpose.INTRODUCTIONS)
        [given] = await privacy.consents(s, GUILD, ANNA)
        assert (given.via, given.given_at, given.scope_id) == ("button", NOW, 7)
        await privacy.give_consent(s, GUILD, BEN, Purpose.EVENT_NOTICES, via=ConsentVia.BUTTON, now=NOW, scope_id=7)
        s.add(Member(guild_id=GUILD, user_id=BEN, name="Ben", locale="nl"))
        await privacy.mark_left(s, GUILD, BEN, now=NOW)
        assert await privacy.consenting(s, GUILD, [ANNA, BEN, CARA], Purpose.EVENT_NOTICES, scope_id=7) == {ANNA}
        assert await privacy.withdraw_consent(s, GUILD, ANNA, Purpose.EVENT_NOTICES, scope_id=7)
        assert not await privacy.withdraw_consent(s, GUILD, ANNA, Purpose.EVENT_NOTICES, scope_id=7)


async def test_the_database_refuses_an_unknown_purpose(db):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        async with db.session() as s:
            await s.execute(
                text(
                    "INSERT INTO consents (guild_id, user_id, purpose, scope_id, via, given_at) "
                    "VALUES (1, 2, 'ads', 0, 'command', '2026-01-01')"
                )
            )


async def test_overview_counts_what_is_stored(db):
    await fill(db)
    async with db.session() as s:
        seen = await privacy.overview(s, GUILD, ANNA)
    assert seen.counts["members"] == 1 and seen.counts["intro_parties"] == 2
    assert [c.purpose for c in seen.consents] == ["introductions"]
    assert seen.left_at == NOW


async def test_the_migration_records_consents_given_before(db_url):
    from bot.db import Database

    database = Database(db_url)
    try:
        await database.upgrade("0003")
        async with database.session() as s:
            for sql in (
                "INSERT INTO members (id, guild_id, user_id, name, locale, intro_joined, intro_chance, created_at, "
                "updated_at) VALUES (1, 1, 11, 'a', 'nl', true, false, '2026-01-01', '2026-01-02'), "
                "(2, 1, 22, 'b', 'nl', false, false, '2026-01-01', '2026-01-01')",
                "INSERT INTO events (id, guild_id, kind, title, description, starts_at, ends_at, status, created_by, "
                "created_at, updated_at) VALUES (5, 1, 'meetup', 't', '', '2026-02-01', '2026-02-02', 'scheduled', 11, "
                "'2026-01-01', '2026-01-01')",
                "INSERT INTO event_rsvps (event_id, user_id, status, created_at, updated_at) VALUES "
                "(5, 11, 'going', '2026-01-03', '2026-01-03'), (5, 22, 'going', '2026-01-03', '2026-01-03')",
                "INSERT INTO experts (guild_id, user_id, topics, created_at, updated_at) "
                "VALUES (1, 22, 'x', '2026-01-04', '2026-01-04')",
            ):
                await s.execute(text(sql))
        await database.upgrade()
        async with database.session() as s:
            rows = (await s.execute(select(Consent.user_id, Consent.purpose, Consent.scope_id, Consent.via))).all()
        assert sorted(rows) == [
            (11, "event_notices", 5, "button"),
            (11, "introductions", 0, "command"),
            (22, "event_notices", 5, "button"),
            (22, "expert_invitations", 0, "command"),
        ]
    finally:
        await database.dispose()


# --- visibility ---------------------------------------------------------------------------------


async def test_a_profile_is_shown_to_others_only_when_joined_not_private_and_still_here(db):
    from bot.services import profiles

    async with db.session() as s:
        s.add_all(
            [
                Member(guild_id=GUILD, user_id=ANNA, name="Anna", locale="nl", intro_joined=True),
                Member(guild_id=GUILD, user_id=BEN, name="Ben", locale="nl", intro_joined=False),
                Member(guild_id=GUILD, user_id=CARA, name="Cara", locale="nl", intro_joined=True),
            ]
        )
    async with db.session() as s:
        await profiles.set_profile(s, GUILD, CARA, visibility="private")
        with pytest.raises(UserError):
            await profiles.set_profile(s, GUILD, CARA, visibility="everyone")
    async with db.session() as s:
        assert (await profiles.get_profile(s, GUILD, ANNA, viewer_id=BEN)).name == "Anna"
        assert await profiles.get_profile(s, GUILD, BEN, viewer_id=ANNA) is None  # never joined
        assert await profiles.get_profile(s, GUILD, CARA, viewer_id=ANNA) is None  # private
        assert (await profiles.get_profile(s, GUILD, CARA, viewer_id=CARA)).visibility == "private"
        await privacy.mark_left(s, GUILD, ANNA, now=NOW)
        assert await profiles.get_profile(s, GUILD, ANNA, viewer_id=BEN) is None  # left


async def test_a_private_profile_gets_its_own_suggestions_but_is_proposed_to_nobody(db):
    from bot.services import matchmaking, profiles

    async with db.session() as s:
        for user, need, offer in (
            (ANNA, "subsidie aanvragen", "vergaderruimte"),
            (BEN, "vergaderruimte", "subsidie aanvragen"),
        ):
            await profiles.add_item(s, GUILD, user, ItemKind.NEED, need)
            await profiles.add_item(s, GUILD, user, ItemKind.OFFER, offer)
        for user in (ANNA, BEN):
            await intros.join(s, GUILD, user, chance=False, name=None, locale=None, now=NOW)
    matcher = matchmaking.Matchmaker()
    async with db.session() as s:
        assert [x.user_id for x in await matcher.suggest(s, GUILD, ANNA, now=NOW)] == [BEN]
        await profiles.set_profile(s, GUILD, BEN, visibility="private")
    async with db.session() as s:
        assert await matcher.suggest(s, GUILD, ANNA, now=NOW) == []
        assert [x.user_id for x in await matcher.suggest(s, GUILD, BEN, now=NOW)] == [ANNA]
        assert (await matcher.plan(s, GUILD, now=NOW)).pairs == []
        with pytest.raises(UserError):
            await intros.propose(s, GUILD, ANNA, BEN, score=1, reasons=[], now=NOW, requested_by=ANNA)
        # The owner may ask to meet someone themselves.
        await intros.propose(s, GUILD, BEN, ANNA, score=1, reasons=[], now=NOW, requested_by=BEN)


def test_a_listed_column_that_is_gone_is_reported_but_tables_of_other_branches_are_not(monkeypatch):
    monkeypatch.setitem(privacy.MEMBER_COLUMNS, "members.gone_column", privacy.Action.ROW)
    monkeypatch.setitem(privacy.MEMBER_COLUMNS, "future_feature.user_id", privacy.Action.ROW)
    assert privacy.schema_gaps().stale == ["members.gone_column"]


async def test_a_leave_is_recorded_even_when_another_unit_of_work_writes_meanwhile(db):
    # A unit of work that reads, then writes, while another wants to write: neither is lost. (On
    # SQLite write transactions begin IMMEDIATE, so the second writer waits for the first; a unit
    # that still loses the lock is tried again by Database.run.)
    import asyncio

    await fill(db)
    read = asyncio.Event()
    attempts = 0

    async def leave(session):
        nonlocal attempts
        attempts += 1
        known = await privacy.knows_member(session, GUILD, CARA)  # reads first
        read.set()
        await asyncio.sleep(0.05)  # the other unit starts meanwhile
        assert known
        return await privacy.mark_left(session, GUILD, CARA, now=NOW)

    async def other_work():
        await read.wait()
        async with db.session() as s:
            await privacy.give_consent(s, GUILD, CARA, Purpose.EXPERT_INVITATIONS, via=ConsentVia.COMMAND, now=NOW)

    marked, _ = await asyncio.gather(db.run(leave), other_work())
    assert marked
    async with db.session() as s:
        assert CARA in await privacy.departed(s, GUILD)
        assert await privacy.has_consent(s, GUILD, CARA, Purpose.EXPERT_INVITATIONS)
    assert attempts == 1
