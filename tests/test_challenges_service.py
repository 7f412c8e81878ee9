"""The challenges service without Discord, and the rendering limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.errors import UserError
from bot.services.challenges import fit, records, rules
from bot.services.challenges.records import ChallengeView, Draft
from bot.services.matching import MatchIndex, MemberData
from cogs.challenges.render import CONTENT_MAX, cut, full_text, list_embed, post_embed, split
from models import Challenge, ChallengeInvite, ChallengeStatus

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_skills_are_split_cleaned_and_deduplicated():
    assert rules.parse_skills(" subsidies, Data-analyse ;communicatie | SUBSIDIES\nfondsen ") == [
        "subsidies",
        "Data-analyse",
        "communicatie",
        "fondsen",
    ]
    for bad, key in (
        ("", "challenge.no_skills"),
        (" , | ", "challenge.no_skills"),
        ("x", "challenge.bad_skill"),
        ("a" * 61, "challenge.bad_skill"),
        (",".join(f"s{i}x" for i in range(11)), "challenge.too_many_skills"),
    ):
        with pytest.raises(UserError) as found:
            rules.parse_skills(bad)
        assert found.value.key == key


def test_descriptions_keep_paragraphs_and_are_at_most_2000_characters():
    assert rules.parse_description("  Eerste  regel \r\n\r\n\r\n\r\nTweede\n") == "Eerste regel\n\nTweede"
    with pytest.raises(UserError) as found:
        rules.parse_description("x" * 2001)
    assert found.value.key == "challenge.description_too_long" and found.value.params == {"max": 2000, "length": 2001}
    with pytest.raises(UserError):
        rules.parse_description(" \n ")


def test_deadlines_are_dates_in_the_server_time_zone():
    end = rules.parse_deadline("2026-12-31", now=NOW, tz=AMSTERDAM)
    assert end == datetime(2026, 12, 31, 22, 59, tzinfo=UTC)  # 23:59 in Amsterdam (winter time)
    assert rules.parse_deadline("31-12-2026", now=NOW, tz=AMSTERDAM) == end
    assert rules.parse_deadline("2026-11-27", now=NOW, tz=AMSTERDAM) is not None  # today is fine
    assert rules.parse_deadline("  ", now=NOW, tz=AMSTERDAM) is None
    late_evening = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # already the 28th in Amsterdam
    for text, key in (
        ("2026-11-27", "challenge.deadline_past"),
        ("2026-02-30", "challenge.bad_deadline"),
        ("morgen", "challenge.bad_deadline"),
    ):
        with pytest.raises(UserError) as found:
            rules.parse_deadline(text, now=late_evening, tz=AMSTERDAM)
        assert found.value.key == key


def test_statuses_move_one_step_forward_or_close():
    S = ChallengeStatus
    assert rules.next_statuses("open") == [S.TEAM_FORMED, S.CLOSED]
    assert rules.next_statuses("team_formed") == [S.IN_PROGRESS, S.CLOSED]
    assert rules.next_statuses("in_progress") == [S.DONE, S.CLOSED]
    assert rules.next_statuses("done") == [] and rules.next_statuses("closed") == []


def _index() -> MatchIndex:
    return MatchIndex.build(
        [
            MemberData(1, "company", ["werkruimte"], ["subsidies aanvragen", "fondsenwerving"]),
            MemberData(2, "government", [], ["fietsen repareren"]),
            MemberData(3, None, [], ["data-analyse"]),
        ]
    )


def test_ranking_uses_the_engine_and_leaves_the_shared_index_as_it_was():
    index = _index()
    before = (index.member_ids(), index.suggest(1, 5))
    ranked = fit.rank(index, ["subsidieaanvraag schrijven", "data analyse"], eligible={1, 2, 3})
    assert [user for user, _score, _reasons in ranked] == [3, 1]
    assert ranked[1][2] == [fit.SkillReason("subsidieaanvraag schrijven", "subsidies aanvragen", ranked[1][2][0].score)]
    assert fit.rank(index, ["data analyse"], eligible={1, 2}) == []  # 3 fits, but may not be proposed
    assert (index.member_ids(), index.suggest(1, 5)) == before
    assert rules.PROBE_ID not in index


def test_fits_of_many_challenges_in_one_call():
    index = _index()
    fits = fit.fits_of(index, [["subsidie"], ["fiets reparatie", "subsidies", "Subsidies"], ["koken"]], 1)
    assert [round(score) > 0 for score, _ in fits] == [True, True, False]
    assert [r.skill for r in fits[1][1]] == ["subsidies"]  # one reason per meaning
    assert fit.fits_of(index, [["koken"]], 99) == [(0.0, [])]


async def test_teams_and_statuses_in_the_database(db):
    draft = Draft(
        guild_id=7, title="Schone haven", skills=["subsidies"], owner=None, deadline=None, event_id=None, channel_id=5
    )
    async with db.session() as session:
        created = await records.create(session, draft, "Beschrijving", created_by=1, now=NOW)
    async with db.session() as session:
        view = await records.join(session, created.id, 10, guild_id=7)
        assert view.team == [10]
        with pytest.raises(UserError, match="challenge.already_joined"):
            await records.join(session, created.id, 10, guild_id=7)
        with pytest.raises(UserError, match="challenge.unknown"):
            await records.join(session, created.id, 11, guild_id=8)  # another server
        with pytest.raises(UserError, match="challenge.unknown"):
            await records.join(session, created.id, 11, guild_id=None)  # a DM without an invitation
        with pytest.raises(UserError, match="challenge.bad_status.open"):
            await records.set_status(session, 7, created.id, "done")
        old, view = await records.set_status(session, 7, created.id, "closed")
        assert (old, view.status, view.finished) == ("open", "closed", True)
        with pytest.raises(UserError, match="challenge.finished"):
            await records.leave(session, created.id, 10, guild_id=7)
    async with db.session() as session:
        assert (await records.view(session, created.id)).team == [10]


def _view(**changes) -> ChallengeView:
    base = {
        "id": 12345,
        "guild_id": 1,
        "title": "T" * 100,
        "description": "woord " * 333,
        "skills": [f"{i}" + "v" * 59 for i in range(10)],
        "owner": "O" * 100,
        "deadline": NOW + timedelta(days=30),
        "status": "open",
        "team": list(range(10**17, 10**17 + 300)),
        "event": records.EventInfo(1, "E" * 100, NOW + timedelta(days=3), "https://discord.com/channels/1/2/3"),
        "channel_id": 2,
        "message_id": 3,
        "thread_id": 2,
    }
    return ChallengeView(**{**base, **changes})


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_largest_post_stays_within_discords_limits(locale):
    embed = post_embed(locale, _view())
    assert len(embed) <= 6000 and len(embed.description) <= 4096 and len(embed.fields) <= 25
    assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in embed.fields)
    team = next(f.value for f in embed.fields if f.name.startswith("Team"))
    assert team.endswith("more") or "en nog" in team
    assert all(len(piece) <= CONTENT_MAX for piece in full_text(locale, _view(description="x" * 2000)))


@pytest.mark.parametrize(("locale", "more"), [("nl", "En nog"), ("en", "And")])
@pytest.mark.parametrize("count", [1, 12, 30])
def test_the_longest_list_stays_within_discords_limits_and_counts_the_rest(locale, more, count):
    reasons = [fit.SkillReason(f"{i}" + "v" * 59, "o" * 200, 90.0) for i in range(10)]
    listed = [fit.Listed(_view(id=n), 90.0, reasons) for n in range(count)]
    embed = list_embed(locale, listed)
    assert len(embed) <= 6000 and len(embed.fields) <= 10
    assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in embed.fields)
    hidden = count - len(embed.fields)
    assert hidden >= 0 and (count == 1) == (hidden == 0)
    assert (embed.footer.text or "").startswith(f"{more} {hidden}" if hidden else "")
    skills = next(line for line in embed.fields[0].value.split("\n") if "vvv" in line)
    assert skills.endswith("more") or "en nog" in skills  # ten long skills do not all fit in a list line


async def test_a_failed_post_or_invitation_leaves_nothing_behind(db):
    draft = Draft(
        guild_id=7, title="Schone haven", skills=["subsidies"], owner=None, deadline=None, event_id=None, channel_id=5
    )
    async with db.session() as session:
        created = await records.create(session, draft, "Beschrijving", created_by=1, now=NOW)
        session.add(ChallengeInvite(challenge_id=created.id, user_id=10, created_at=NOW))
        session.add(ChallengeInvite(challenge_id=created.id, user_id=11, created_at=NOW))
    async with db.session() as session:
        await fit.withdraw_invite(session, created.id, 10)
    async with db.session() as session:
        left = await session.execute(select(ChallengeInvite.user_id).where(ChallengeInvite.challenge_id == created.id))
        assert list(left.scalars()) == [11]
        await records.discard(session, created.id)
    async with db.session() as session:
        assert await session.get(Challenge, created.id) is None
        assert (await session.execute(select(ChallengeInvite))).first() is None


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab \n."), min_size=1, max_size=3000), st.integers(min_value=20, max_value=2000)
)
def test_split_and_cut_respect_the_limit_and_lose_no_words(text, limit):
    pieces = split(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())
    assert len(cut(text, limit)) <= limit
