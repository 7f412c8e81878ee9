"""Value flows at the service level, on a migrated database: thanks, time credits, links to what two
members share, the profile summary, the impact numbers and charts, and the celebration schedule."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import outbox
from bot.errors import UserError
from bot.services import charts
from bot.services.value import celebrate, thanks
from bot.services.value.impact import SECTORS, impact, months_between, to_csv
from models import (
    Challenge,
    ChallengeMember,
    Event,
    EventRsvp,
    Introduction,
    IntroParty,
    Member,
    Thanks,
    ThanksDaily,
)

GUILD = 77
ANN, BOB, CAT = 501, 502, 503
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PNG = b"\x89PNG\r\n\x1a\n"


async def members(db, **sectors: str | None) -> dict[str, int]:
    """Members by name with a sector; returns their member ids (user ids are ANN, BOB, CAT)."""
    users = {"ann": ANN, "bob": BOB, "cat": CAT}
    ids = {}
    async with db.session() as session:
        for name, sector in sectors.items():
            row = Member(guild_id=GUILD, user_id=users[name], name=name, sector=sector, locale="nl", intro_joined=True)
            session.add(row)
            await session.flush()
            ids[name] = row.id
    return ids


async def connected_intro(db, ids, a: str, b: str, *, at=NOW, met: str | None = None, outcome: str | None = None):
    users = {"ann": ANN, "bob": BOB, "cat": CAT}
    async with db.session() as session:
        intro = Introduction(
            guild_id=GUILD,
            score=80.0,
            reasons=[],
            status="connected",
            expires_at=at + timedelta(days=7),
            connected_at=at,
            created_at=at - timedelta(days=1),
            parties=[
                IntroParty(member_id=ids[a], user_id=users[a], answer="accepted", met=met, outcome=outcome),
                IntroParty(member_id=ids[b], user_id=users[b], answer="accepted"),
            ],
        )
        session.add(intro)
        await session.flush()
        return intro.id


async def prepare(db, thanker=ANN, helper=BOB, *, now=NOW, **kwargs):
    options = {"helper_is_bot": False, "helper_in_server": True, "kind": "knowledge", "text": "Subsidieadvies"}
    async with db.session() as session:
        hours = kwargs.pop("hours", None)
        return await thanks.prepare(session, GUILD, thanker, helper, hours=hours, now=now, **(options | kwargs))


async def give(db, thanker=ANN, helper=BOB, *, now=NOW, **kwargs) -> int:
    draft = await prepare(db, thanker, helper, now=now, **kwargs)
    async with db.session() as session:
        return await thanks.record(session, draft, now=now)


async def set_credits(db, on: bool = True, channel_id: int | None = 900):
    async with db.session() as session:
        await thanks.configure(session, GUILD, channel_id=channel_id, celebrate=True, time_credits=on)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"helper": ANN}, "thanks.self"),
        ({"helper_is_bot": True}, "thanks.bot"),
        ({"helper_in_server": False}, "thanks.not_member"),
        ({"text": " x "}, "thanks.text_short"),
        ({"text": "y" * 201}, "thanks.text_long"),
        ({"kind": "money"}, "thanks.bad_kind"),
        ({"hours": 0.1}, "thanks.bad_hours"),
        ({"hours": 100.5}, "thanks.bad_hours"),
    ],
)
async def test_refused_thanks_change_nothing(db, change, key):
    helper = change.pop("helper", BOB)
    with pytest.raises(UserError) as caught:
        await prepare(db, ANN, helper, **change)
    assert caught.value.key == key
    async with db.session() as session:
        assert (await session.execute(select(Thanks))).first() is None


async def test_dms_follow_the_privacy_consent_and_a_member_who_left_is_refused(db):
    from bot.services import intros, privacy

    # Joined introductions (intro_joined) is no consent by itself: the recorded consent decides.
    await members(db, ann="company", bob="government")
    assert not (await prepare(db)).helper_dms
    async with db.session() as session:
        await intros.join(session, GUILD, BOB, chance=False, name=None, locale=None, now=NOW)
    assert (await prepare(db)).helper_dms
    async with db.session() as session:
        await intros.leave(session, GUILD, BOB)
    assert not (await prepare(db)).helper_dms
    # Privacy recorded that Bob left (Discord may not have told yet): refused, nothing stored.
    async with db.session() as session:
        assert await privacy.mark_left(session, GUILD, BOB, now=NOW)
    with pytest.raises(UserError) as caught:
        await prepare(db)
    assert caught.value.key == "thanks.not_member"


async def test_at_most_twenty_thanks_a_day_by_one_member(db):
    for i in range(20):
        await give(db, now=NOW + timedelta(minutes=i))
    with pytest.raises(UserError) as caught:
        await prepare(db, now=NOW + timedelta(hours=1))
    assert caught.value.key == "thanks.daily_limit" and caught.value.params == {"max": 20}
    # Another member is not limited by Ann's thanks; Ann can thank again a day after her first.
    await give(db, BOB, CAT, now=NOW + timedelta(hours=1))
    await give(db, now=NOW + timedelta(hours=24, minutes=1))


async def test_hours_count_only_with_time_credits_on(db):
    draft = await prepare(db, hours=2.5)
    assert draft.quarters is None and draft.hours_dropped
    await set_credits(db)
    draft = await prepare(db, hours=2.6)
    assert draft.quarters == 10 and not draft.hours_dropped  # rounded to the nearest quarter: 2½ hours
    await give(db, hours=2.5)
    await give(db, BOB, ANN, hours=0.25)
    await give(db, CAT, BOB, kind="space", text="Vergaderzaal")
    async with db.session() as session:
        bob = await thanks.balance(session, GUILD, BOB)
        totals = await thanks.server_totals(session, GUILD)
    assert (bob.thanks_received, bob.thanks_given) == (2, 1)
    assert (bob.hours_given, bob.hours_received, bob.balance) == (2.5, 0.25, 2.25)
    assert (totals.thanks, totals.hours) == (3, 2.75)


async def test_a_thanks_links_to_what_the_two_share(db):
    ids = await members(db, ann="company", bob="government", cat=None)
    assert (await prepare(db)).introduction_id is None
    async with db.session() as session:
        challenge = Challenge(guild_id=GUILD, title="Eenzaamheid", description="d", skills="x", created_by=1)
        challenge.members = [ChallengeMember(user_id=ANN), ChallengeMember(user_id=BOB)]
        session.add(challenge)
    draft = await prepare(db)
    assert (draft.introduction_id, draft.event_id, draft.challenge_id) == (None, None, challenge.id)
    async with db.session() as session:
        event = Event(
            guild_id=GUILD, kind="meetup", title="Koffie", starts_at=NOW, ends_at=NOW + timedelta(hours=1), created_by=1
        )
        event.rsvps = [EventRsvp(user_id=ANN, status="going"), EventRsvp(user_id=BOB, status="going")]
        session.add(event)
    draft = await prepare(db)
    assert (draft.introduction_id, draft.event_id, draft.challenge_id) == (None, event.id, None)
    intro_id = await connected_intro(db, ids, "ann", "bob")
    draft = await prepare(db)
    assert (draft.introduction_id, draft.event_id, draft.challenge_id) == (intro_id, None, None)
    assert (draft.thanker_sector, draft.helper_sector) == ("company", "government")
    # Cat shares nothing with Ann.
    assert (await prepare(db, ANN, CAT)).introduction_id is None
    async with db.session() as session:
        assert await thanks.context_titles(session, draft) == ("introduction", None)


async def test_sharing_needs_the_thanked_members_consent_and_a_channel(db):
    assert (await prepare(db)).share_channel_id is None
    async with db.session() as session:
        await thanks.set_sharing(session, GUILD, BOB, True)
    assert (await prepare(db)).share_channel_id is None  # no value channel yet
    await set_credits(db, on=False, channel_id=900)
    assert (await prepare(db)).share_channel_id == 900
    async with db.session() as session:
        await thanks.set_sharing(session, GUILD, BOB, False)
    assert (await prepare(db)).share_channel_id is None


async def test_profile_summary_lists_untold_thanks_once_and_only_to_their_owner(db):
    for i in range(7):
        await give(db, ANN if i % 2 else CAT, BOB, now=NOW + timedelta(minutes=i), text=f"hulp {i}")
    told = await give(db, ANN, BOB, now=NOW + timedelta(minutes=9))
    async with db.session() as session:
        await thanks.mark_told(session, told, NOW)
    async with db.session() as session:
        # Others see Bob's counts only once he lets thanks to him be shown; never his new thanks.
        assert await thanks.profile_summary(session, GUILD, BOB, own=False, now=NOW) is None
        await thanks.set_sharing(session, GUILD, BOB, True)
        other = await thanks.profile_summary(session, GUILD, BOB, own=False, now=NOW)
    assert other is not None and other.new == [] and other.balance.thanks_received == 8
    async with db.session() as session:
        own = await thanks.profile_summary(session, GUILD, BOB, own=True, now=NOW)
    assert own is not None
    assert [n.text for n in own.new] == ["hulp 0", "hulp 1", "hulp 2", "hulp 3", "hulp 4"] and own.new_more == 2
    async with db.session() as session:
        again = await thanks.profile_summary(session, GUILD, BOB, own=True, now=NOW)
    assert again is not None and again.new == [] and again.new_more == 0


async def seed_impact(db) -> None:
    ids = await members(db, ann="company", bob="government", cat="knowledge_institution")
    await connected_intro(db, ids, "ann", "bob", at=NOW - timedelta(days=40), met="yes", outcome="Samen een subsidie")
    await connected_intro(db, ids, "ann", "cat", at=NOW - timedelta(days=5))
    await set_credits(db)
    await give(db, ANN, BOB, now=NOW - timedelta(days=40), hours=2)
    await give(db, CAT, BOB, now=NOW - timedelta(days=3), kind="space", text="Een zaal")
    await give(db, ANN, CAT, now=NOW - timedelta(days=200), text="Te lang geleden")
    async with db.session() as session:
        event = Event(
            guild_id=GUILD,
            kind="meetup",
            title="Koffie",
            starts_at=NOW - timedelta(days=10),
            ends_at=NOW - timedelta(days=10, hours=-2),
            created_by=1,
        )
        event.rsvps = [EventRsvp(user_id=ANN, status="going"), EventRsvp(user_id=BOB, status="maybe")]
        challenge = Challenge(guild_id=GUILD, title="Eenzaamheid", description="d", skills="x", created_by=1)
        challenge.status = "done"
        challenge.members = [ChallengeMember(user_id=ANN), ChallengeMember(user_id=CAT)]
        session.add_all([event, challenge])
        await session.flush()
        challenge.updated_at = NOW - timedelta(days=2)


async def test_impact_counts_thanks_and_the_outcomes_of_other_features(db):
    await seed_impact(db)
    async with db.session() as session:
        found = await impact(session, GUILD, NOW - timedelta(days=90), NOW)
    s = found.summary
    assert (s["proposed"], s["accepted"], s["met"], s["outcomes"]) == (2, 2, 1, 1)
    assert (s["thanks"], s["hours"]) == (2, 2.0)
    assert (s["attended"], s["challenges"], s["team_members"]) == (1, 1, 2)
    # Thanks run from the helper's sector to the thanker's; introductions count both ways.
    assert found.flows[("thanks", "government", "company")] == 1
    assert found.flows[("thanks", "government", "knowledge_institution")] == 1
    assert found.flows[("accepted", "company", "government")] == found.flows[("accepted", "government", "company")] == 1
    assert found.flows[("met", "company", "government")] == 1
    assert found.kinds["knowledge"] == (1, 8) and found.kinds["space"] == (1, 0)
    assert found.kinds["met"] == (1, 0) and found.kinds["challenge"] == (2, 0) and found.kinds["event"] == (1, 0)
    assert found.months == ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert found.trend["2026-10"]["thanks"] == 1 and found.trend["2026-11"]["challenges"] == 1
    grid = found.matrix()
    assert len(grid) == len(SECTORS) and sum(map(sum, grid)) == 2 + 4 + 2

    table = list(csv.reader(io.StringIO(to_csv(found))))
    assert table[0] == ["table", "row", "column", "value"]
    assert ["summary", "thanks", "", "2.0"] in table
    assert ["kinds", "knowledge", "hours", "2.0"] in table
    assert ["sectors_thanks", "government", "company", "1"] in table


async def test_charts_are_pngs_in_the_language_asked(db):
    await seed_impact(db)
    async with db.session() as session:
        found = await impact(session, GUILD, NOW - timedelta(days=90), NOW)
    images = charts.render(found, "nl")
    assert set(images) == {"sectors.png", "trend.png", "kinds.png"}
    assert all(data.startswith(PNG) and len(data) > 5000 for data in images.values())
    async with db.session() as session:
        empty = await impact(session, GUILD + 1, NOW - timedelta(days=30), NOW)
    assert all(data.startswith(PNG) for data in charts.render(empty, "en").values())


def test_months_between_covers_every_calendar_month():
    assert months_between(datetime(2026, 11, 30, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC)) == [
        "2026-11",
        "2026-12",
        "2027-01",
    ]


def test_the_celebration_is_due_on_the_first_monday_at_nine_local_time_for_a_day():
    # December 2026 starts on a Tuesday: the first Monday is the 7th; 09:00 CET is 08:00 UTC.
    assert celebrate.first_monday(2026, 12, AMSTERDAM) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    # April 2027 (summer time, CEST): Monday the 5th at 09:00 is 07:00 UTC.
    assert celebrate.first_monday(2027, 4, AMSTERDAM) == datetime(2027, 4, 5, 7, 0, tzinfo=UTC)
    # A month starting on a Monday posts on the 1st.
    assert celebrate.first_monday(2027, 3, AMSTERDAM) == datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    due = datetime(2027, 4, 5, 7, 0, tzinfo=UTC)
    assert celebrate.due_month(due - timedelta(minutes=1), AMSTERDAM) is None
    assert celebrate.due_month(due, AMSTERDAM) == "2027-04"
    assert celebrate.due_month(due + timedelta(hours=24), AMSTERDAM) == "2027-04"
    assert celebrate.due_month(due + timedelta(hours=24, minutes=1), AMSTERDAM) is None
    since, until = celebrate.previous_month("2027-04")
    assert (since, until) == (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
    assert celebrate.previous_month("2027-01") == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


async def test_a_month_is_claimed_once_and_put_in_the_outbox_once(db):
    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    async with db.session() as session:
        assert await celebrate.claim(session, GUILD, "2026-12", now)
        assert not await celebrate.claim(session, GUILD, "2026-12", now)
        assert await celebrate.claim(session, GUILD + 1, "2026-12", now)
    async with db.session() as session:
        items = await outbox.claim(session, now, kinds=("celebration",))
    assert [(i.key, i.guild_id, i.payload) for i in items] == [
        (celebrate.celebration_key(GUILD, "2026-12"), GUILD, {"month": "2026-12"}),
        (celebrate.celebration_key(GUILD + 1, "2026-12"), GUILD + 1, {"month": "2026-12"}),
    ]


async def test_highlights_show_only_stories_members_allowed(db):
    await seed_impact(db)
    async with db.session() as session:
        await thanks.set_sharing(session, GUILD, BOB, True)
    async with db.session() as session:
        found = await celebrate.highlights(session, GUILD, "2026-12")
    assert found.month == "2026-11"
    # Cat's thanks to Bob (November) is shared; Ann's thanks to Cat would not be (Cat did not allow it).
    assert [(s.thanker_id, s.helper_id, s.text) for s in found.stories] == [(CAT, BOB, "Een zaal")]
    assert found.cross_sector == 1


async def test_the_daily_counts_match_the_thanks_they_count(db):
    await members(db, ann="company", bob=None)
    await set_credits(db)
    for i in range(6):
        await give(db, ANN, BOB, now=NOW - timedelta(days=i % 3, hours=i), hours=1 if i % 2 else None)
    await give(db, BOB, ANN, now=NOW, kind="time", text="Meegeholpen", hours=0.5)
    columns = (
        ThanksDaily.day,
        ThanksDaily.kind,
        ThanksDaily.helper_sector,
        ThanksDaily.thanker_sector,
        ThanksDaily.count,
        ThanksDaily.quarters,
    )
    async with db.session() as session:
        counted = sorted((await session.execute(select(*columns))).all())
        await thanks.rebuild_daily(session, GUILD)
    async with db.session() as session:
        rebuilt = sorted((await session.execute(select(*columns))).all())
    assert counted == rebuilt
    assert ("2026-11-27", "time", "company", "unknown", 1, 2) in counted
    assert sum(row.count for row in counted) == 7


async def test_value_texts_stay_within_discord_limits(db):
    from cogs.value.render import celebration_embed, value_fields

    await set_credits(db)
    for i in range(9):
        await give(db, CAT if i % 2 else ANN, BOB, now=NOW + timedelta(minutes=i), text="ж" * 200, hours=100)
    async with db.session() as session:
        await thanks.set_sharing(session, GUILD, BOB, True)
    async with db.session() as session:
        own = await thanks.profile_summary(session, GUILD, BOB, own=True, now=NOW)
        found = await celebrate.highlights(session, GUILD, "2026-12")
    assert own is not None
    for locale in ("nl", "en"):
        fields = value_fields(locale, own)
        assert len(fields) == 2 and all(len(name) <= 256 and len(value) <= 1024 for name, value in fields)
        assert fields[1][1].endswith(("en nog 4", "and 4 more"))
        embed = celebration_embed(locale, found, "</thanks:1234567890123456789>")
        assert len(embed) <= 6000 and len(embed.description or "") <= 4096 and len(embed.title or "") <= 256


async def test_a_long_period_still_charts(db):
    await seed_impact(db)
    async with db.session() as session:
        found = await impact(session, GUILD, NOW - timedelta(days=3650), NOW)
    assert len(found.months) == 121
    assert charts.trend_chart(found, "en").startswith(PNG)
