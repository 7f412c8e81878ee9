"""Learning from the community (issue 12, item 4): signals from real introductions, bounded
adjustments, deterministic re-ranking that never adds a pair, and a per-server reset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
from sqlalchemy import func, select

from bot.services import intros, learning
from bot.services.matching.scoring import DEFAULT_THRESHOLD
from bot.services.matchmaking import Pair, Suggestion
from models import LearnedLink, Met
from tests.sim import synced_guild, take_user_errors

GUILD, OTHER_GUILD = 77, 78
A, B, C, D = 501, 502, 503, 504
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NEED, OFFER = "Subsidie aanvragen", "Hulp bij subsidies"
REASONS = [{"need_of": A, "need": NEED, "offer_of": B, "offer": OFFER, "score": 82.0}]
LINK = (learning.text_key(NEED), learning.text_key(OFFER))


async def joined(db, *users, guild=GUILD):
    async with db.session() as session:
        for user in users:
            await intros.join(session, guild, user, chance=False, name=f"user{user}", locale="nl")


async def propose(db, a, b, reasons=REASONS, guild=GUILD) -> int:
    async with db.session() as session:
        intro = await intros.propose(session, guild, a, b, score=82.0, reasons=reasons, now=NOW)
        return intro.id


async def answer(db, intro_id, user, accept) -> str:
    async with db.session() as session:
        return (await intros.answer(session, intro_id, user, accept=accept, now=NOW)).outcome


async def met(db, intro_id, user, value: Met) -> None:
    async with db.session() as session:
        await intros.record_met(session, intro_id, user, value)


async def counts(db, guild=GUILD) -> dict[tuple[str, str], tuple[int, int]]:
    async with db.session() as session:
        rows = await session.execute(
            select(LearnedLink.need_key, LearnedLink.offer_key, LearnedLink.positive, LearnedLink.negative).where(
                LearnedLink.guild_id == guild
            )
        )
        return {(n, o): (p, q) for n, o, p, q in rows}


async def weights(db, guild=GUILD) -> dict[tuple[str, str], float]:
    async with db.session() as session:
        return await learning.weights(session, guild)


async def test_accepting_and_meeting_strengthen_the_link_once_per_introduction(db):
    await joined(db, A, B)
    intro = await propose(db, A, B)
    assert await answer(db, intro, A, True) == "waiting"
    assert await counts(db) == {}  # one accept teaches nothing yet
    assert await answer(db, intro, B, True) == "connected"
    assert await counts(db) == {LINK: (1, 0)}
    assert await weights(db) == {LINK: pytest.approx(1.25)}

    await met(db, intro, A, Met.NOT_YET)
    assert await counts(db) == {LINK: (1, 0)}
    await met(db, intro, A, Met.YES)
    await met(db, intro, A, Met.YES)  # pressed twice
    await met(db, intro, B, Met.YES)  # the other member says it too
    assert await counts(db) == {LINK: (3, 0)}
    # An outcome is a "yes" as well, and still counts once.
    async with db.session() as session:
        await intros.record_outcome(session, intro, B, "We schreven samen een aanvraag")
    assert await counts(db) == {LINK: (3, 0)}

    # Both correct themselves to "no": the "yes" is taken back and the "no" counted.
    await met(db, intro, A, Met.NO)
    assert await counts(db) == {LINK: (3, 0)}  # B still says yes
    await met(db, intro, B, Met.NO)
    assert await counts(db) == {LINK: (1, 1)}
    assert await weights(db) == {}  # as much for as against: no adjustment


async def test_a_decline_weakens_the_link_silently_and_once(db):
    await joined(db, A, B, C)
    intro = await propose(db, A, B)
    assert await answer(db, intro, B, False) == "declined"
    assert await counts(db) == {LINK: (0, 1)}
    # The other member's answer looks like any other and teaches nothing more.
    assert await answer(db, intro, A, True) == "waiting"
    assert await counts(db) == {LINK: (0, 1)}
    # Another introduction with the same wordings (spelled differently) adds to the same link.
    other = [{"need_of": C, "need": "  subsidie AANVRAGEN ", "offer_of": B, "offer": "Hulp bij subsidies"}]
    second = await propose(db, C, B, reasons=other)
    await answer(db, second, C, False)
    assert await counts(db) == {LINK: (0, 2)}
    assert await weights(db) == {LINK: pytest.approx(-2.0)}


async def test_introductions_without_wordings_teach_nothing(db):
    await joined(db, A, B, C)
    chance = await propose(db, A, B, reasons=[])
    partial = await propose(db, A, C, reasons=[{"need_of": A, "need": "x"}])
    for intro, (x, y) in ((chance, (A, B)), (partial, (A, C))):
        await answer(db, intro, x, True)
        assert await answer(db, intro, y, True) == "connected"
        await met(db, intro, x, Met.YES)
    assert await counts(db) == {}


async def test_learning_is_per_server_and_reset_forgets_only_that_server(db):
    await joined(db, A, B, C)
    await joined(db, A, B, guild=OTHER_GUILD)
    connected = {}
    for guild in (GUILD, OTHER_GUILD):
        intro = connected[guild] = await propose(db, A, B, guild=guild)
        await answer(db, intro, A, True)
        await answer(db, intro, B, True)
    await met(db, connected[GUILD], A, Met.YES)
    two = [*REASONS, {"need_of": C, "need": "Vrijwilligers", "offer_of": A, "offer": "Tijd over"}]
    intro = await propose(db, A, C, reasons=two)
    await answer(db, intro, C, False)
    assert len(await counts(db)) == 2 and len(await counts(db, OTHER_GUILD)) == 1
    async with db.session() as session:
        assert await learning.reset(session, GUILD) == 2
    assert await counts(db) == {}
    assert await counts(db, OTHER_GUILD) == {LINK: (1, 0)}
    async with db.session() as session:
        assert await learning.reset(session, GUILD) == 0
    # A "yes" corrected to "no" after the reset takes back what the reset wiped: never below zero.
    await met(db, connected[GUILD], A, Met.NO)
    assert await counts(db) == {LINK: (0, 1)}
    async with db.session() as session:
        assert (await session.execute(select(func.min(LearnedLink.positive)))).scalar_one() == 0


def test_adjustments_are_bounded():
    assert learning.adjustment(0, 0) == 0
    assert learning.adjustment(1, 0) == pytest.approx(1.25)
    assert learning.adjustment(0, 1) == pytest.approx(-1.25)
    for many in (10, 1_000, 10**9):
        assert 0 < learning.adjustment(many, 0) < learning.MAX_ADJUSTMENT
        assert -learning.MAX_ADJUSTMENT < learning.adjustment(0, many) < 0
    # However many learned links an item has, it moves at most MAX_ADJUSTMENT points.
    reasons = [{"need": f"need {i}", "offer": f"offer {i}"} for i in range(10)]
    learned = {(learning.text_key(f"need {i}"), learning.text_key(f"offer {i}")): 4.9 for i in range(10)}
    assert learning.delta(reasons, learned) == learning.MAX_ADJUSTMENT
    assert learning.delta(reasons, {k: -4.9 for k in learned}) == -learning.MAX_ADJUSTMENT


def suggestion(user_id: int, score: float, need: str, offer: str) -> Suggestion:
    reasons = [{"need_of": 1, "need": need, "offer_of": user_id, "offer": offer, "score": score}]
    return Suggestion(user_id, f"user{user_id}", None, None, score, reasons)


def link(need: str, offer: str) -> tuple[str, str]:
    return (learning.text_key(need), learning.text_key(offer))


def test_apply_reranks_drops_below_the_threshold_and_explains():
    items = [  # as the engine gives them: best first
        suggestion(11, 90.0, "website bouwen", "webdesign"),
        suggestion(12, 88.0, "subsidie aanvragen", "subsidieadvies"),
        suggestion(14, 80.0, "vergaderruimte", "zaal te huur"),
        suggestion(13, 71.0, "vrijwilligers", "tijd over"),
    ]
    learned = {
        link("Subsidie aanvragen", "Subsidieadvies"): 4.0,  # folded: spelling does not matter
        link("vrijwilligers", "tijd over"): -2.0,
        link("website bouwen", "webdesign"): -1.0,
        link("nobody", "proposed this"): 5.0,
    }
    ranked = learning.apply(items, learned)
    assert [a.item.user_id for a in ranked] == [12, 11, 14]  # 92, 89, 80; 69 < 70 is not proposed
    assert [a.score for a in ranked] == [92.0, 89.0, 80.0]
    assert [a.explanation for a in ranked] == [
        "+4.0 from introductions in this server",
        "-1.0 from introductions in this server",
        None,
    ]
    # Members keep seeing what the engine said: the items are the engine's, untouched.
    assert all(a.item is items[[s.user_id for s in items].index(a.item.user_id)] for a in ranked)
    assert DEFAULT_THRESHOLD == 70.0
    # Nothing is added, nothing lifted over the threshold, and nothing learned changes nothing.
    below = [suggestion(15, 65.0, "vrijwilligers", "tijd over")]
    assert [a.score for a in learning.apply(below, {link("vrijwilligers", "tijd over"): 5.0})] == [70.0]
    assert learning.apply(below, {link("vrijwilligers", "tijd over"): -1.0}) == []
    assert [a.item for a in learning.apply(items, {})] == items


def test_apply_is_deterministic_and_keeps_the_engine_order_on_ties():
    items = [suggestion(u, 80.0, f"need {u}", f"offer {u}") for u in (31, 32, 33, 34)]
    learned = {link("need 34", "offer 34"): 1.0, link("need 31", "offer 31"): -1.0}
    first = learning.apply(items, learned)
    assert [a.item.user_id for a in first] == [34, 32, 33, 31]
    assert all(learning.apply(list(items), dict(reversed(learned.items()))) == first for _ in range(5))


def test_apply_works_on_round_pairs_and_leaves_chance_meetings_alone():
    pairs = [
        Pair(1, 2, 84.0, [{"need_of": 1, "need": "tolk Oekraïens", "offer_of": 2, "offer": "tolk Oekraiens"}]),
        Pair(3, 4, 83.0, [{"need_of": 4, "need": "fietsen repareren", "offer_of": 3, "offer": "fietsenmaker"}]),
        Pair(5, 6, 0.0, [], chance=True),
    ]
    learned = {link("Tolk Oekraiens", "tolk oekraïens"): -3.0, link("fietsen repareren", "fietsenmaker"): 2.5}
    ranked = learning.apply(pairs, learned)
    assert [(a.item.a, a.item.b, a.score) for a in ranked] == [(3, 4, 85.5), (1, 2, 81.0), (5, 6, 0.0)]


async def test_a_decline_only_changes_the_order_others_see(db):
    """Nobody can read a decline: the suggestions a third member gets keep their scores, reasons and
    labels; only their order moves."""
    await joined(db, A, B, C)
    shown = [
        suggestion(B, 86.0, NEED, OFFER),
        suggestion(D, 85.5, "website bouwen", "webdesign"),
    ]
    async with db.session() as session:
        before = learning.apply(shown, await learning.weights(session, GUILD))
    await answer(db, await propose(db, A, B), A, False)
    async with db.session() as session:
        after = learning.apply(shown, await learning.weights(session, GUILD))
    assert [a.item.user_id for a in before] == [B, D]
    assert [a.item.user_id for a in after] == [D, B]
    assert sorted((a.item for a in after), key=lambda s: s.user_id) == sorted(shown, key=lambda s: s.user_id)


# --- /synonym reset-learning ------------------------------------------------------------------


@dataclass
class World:
    env: Any
    guild: Any
    channel: Any
    officer: Any
    fien: Any


@pytest.fixture
async def world(simcord_env) -> World:
    env = simcord_env
    guild = await synced_guild(env)
    channel = guild.create_text_channel("algemeen")
    officers = guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("officer"), roles=[officers])
    fien = guild.add_member(env.create_user("fien", global_name="Fien"))
    async with env.bot.db.session() as session:
        await learning.record(session, guild.id, REASONS, learning.Signal.MET_YES)
        await learning.record(session, guild.id, [{"need": "a b", "offer": "c d"}], learning.Signal.DECLINED)
        await learning.record(session, OTHER_GUILD, REASONS, learning.Signal.CONNECTED)
    return World(env, guild, channel, officer, fien)


async def test_moderators_reset_what_matching_learned_and_synonyms_stay(world):
    w = world
    await w.officer.slash(w.channel, "synonym add", terms="kringloop, tweedehands")
    reset = await w.officer.slash(w.channel, "synonym reset-learning")
    assert reset.ephemeral
    assert reset.response.content == (
        "Matching forgot 2 links it learned from this server's introductions. Synonym groups stay."
    )
    assert await counts(w.env.bot.db, w.guild.id) == {}
    assert await counts(w.env.bot.db, OTHER_GUILD) == {LINK: (1, 0)}
    again = await w.officer.slash(w.channel, "synonym reset-learning")
    assert again.response.content.startswith("Matching had not learned anything")
    listed = await w.officer.slash(w.channel, "synonym list")
    assert listed.response.embeds[0].description == "`1` kringloop, tweedehands"


async def test_members_cannot_reset_learning_even_when_the_command_is_opened_to_them(world):
    w = world
    command = w.env.backend.find_command("synonym", w.guild.id)
    w.guild.set_command_permissions(int(command["id"]), {w.guild.default_role: True})
    refused = await w.fien.slash(w.channel, "synonym reset-learning")
    assert refused.ephemeral and refused.response.content == "You are not allowed to do that here."
    assert len(take_user_errors(w.env)) == 1
    assert len(await counts(w.env.bot.db, w.guild.id)) == 2
