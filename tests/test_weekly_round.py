"""The weekly round: exactly once per server and week, across restarts, crashes and DST."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
from sqlalchemy import func, select

from bot.services import guilds, rounds
from bot.simulation import member_locales
from cogs.introductions.render import summary_text
from models import Introduction, IntroParty, IntroRound
from tests.sim import restart, run_scheduled, synced_guild

# Monday 30 November 2026, 09:00 in Amsterdam (CET, UTC+1).
ROUND_TIME = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

PEOPLE = [
    ("anouk", "government", ["subsidieaanvraag schrijven"], ["contacten binnen de gemeente"]),
    ("bram", "social_enterprise", ["werkruimte voor reparaties"], ["subsidies aanvragen"]),
    ("chloe", "company", ["klanten uit de sociale sector"], ["boekhouding"]),
    ("daan", "knowledge_institution", ["accounting voor onze stichting"], ["studenten voor praktijkopdrachten"]),
    ("eva", "civil_society", ["studenten voor een onderzoek"], ["gratis vergaderruimte"]),
]


@dataclass
class World:
    env: Any
    guild: Any
    general: Any
    intros_channel: Any
    members: Any
    officer: Any


@pytest.fixture
async def community(simcord_env) -> World:
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    intros_channel = guild.create_text_channel("kennismaken")
    officers = guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("officer"), roles=[officers])
    await officer.slash(general, "intro setup", channel=intros_channel)
    members = {}
    for name, sector, needs, offers in PEOPLE:
        member = guild.add_member(env.create_user(name, global_name=name.title()))
        await member.slash(general, "profile set", sector=sector)
        for text in needs:
            await member.slash(general, "need add", text=text)
        for text in offers:
            await member.slash(general, "offer add", text=text)
        await member.slash(general, "intro join")
        members[name] = member
    return World(env, guild, general, intros_channel, members, officer)


async def counts(env) -> tuple[int, int, int]:
    async with env.bot.db.session() as session:
        rounds_ = (await session.execute(select(func.count()).select_from(IntroRound))).scalar_one()
        introductions = (await session.execute(select(func.count()).select_from(Introduction))).scalar_one()
        notified = (
            await session.execute(
                select(func.count()).select_from(IntroParty).where(IntroParty.notified_at.is_not(None))
            )
        ).scalar_one()
    return rounds_, introductions, notified


def dm_count(env, members) -> int:
    return sum(len(m.user.dm_channel.history()) for m in members.values())


SUMMARY_START = {
    "nl": "De kennismakingen van deze week zijn verstuurd",
    "en": "This week's introductions are out",
}


def summaries(channel, language: str = "nl") -> list[discord.Message]:
    # Unless setup chose one, the server's language is the default (DEFAULT_LOCALE, nl).
    return [m for m in channel.history() if SUMMARY_START[language] in m.content]


def join_mention(env, guild) -> str:
    """How a public post names /intro join: a command mention, clickable in every member's own language."""
    command = env.backend.find_command("intro", guild.id)
    return f"</intro join:{command['id']}>"


async def test_round_runs_once_at_its_time_and_posts_one_summary(community, clock):
    w = community
    await run_scheduled(w.env)
    assert await counts(w.env) == (0, 0, 0)  # Friday: nothing due

    clock.now = ROUND_TIME
    await run_scheduled(w.env)
    rounds_, introductions, notified = await counts(w.env)
    assert rounds_ == 1 and introductions == 2 and notified == 4  # five members: two pairs, one left over
    assert dm_count(w.env, w.members) == 4
    [summary] = summaries(w.intros_channel)
    assert summary.content == (
        "De kennismakingen van deze week zijn verstuurd: 2 voorstellen aan 4 leden. "
        f"Nog niet mee? Gebruik {join_mention(w.env, w.guild)}."
    )
    assert "/kennismaking" not in summary.content

    clock.advance(minutes=1)
    await run_scheduled(w.env)
    clock.advance(hours=5)
    await run_scheduled(w.env)
    assert await counts(w.env) == (1, 2, 4)
    assert dm_count(w.env, w.members) == 4
    assert len(summaries(w.intros_channel)) == 1


async def test_pairs_maximise_fit_and_carry_reasons(community, clock):
    w = community
    clock.now = ROUND_TIME
    await run_scheduled(w.env)
    async with w.env.bot.db.session() as session:
        intros_ = (await session.execute(select(Introduction))).scalars().all()
        parties = (await session.execute(select(IntroParty.introduction_id, IntroParty.user_id))).all()
    pairs = {}
    for intro_id, user_id in parties:
        pairs.setdefault(intro_id, set()).add(user_id)
    ids = {m.id: name for name, m in w.members.items()}
    named = sorted(sorted(ids[u] for u in pair) for pair in pairs.values())
    assert ["anouk", "bram"] in named  # subsidies need meets subsidies offer, both ways round
    assert ["chloe", "daan"] in named  # accounting (English) meets boekhouding (Dutch)
    assert all(intro.reasons for intro in intros_)
    proposal = w.members["daan"].user.dm_channel.last_message
    assert "“accounting voor onze stichting”" in proposal.embeds[0].fields[0].value
    assert "“boekhouding”" in proposal.embeds[0].fields[0].value


async def test_a_crash_between_recording_and_sending_sends_the_rest_once(community, clock, settings):
    w = community
    clock.now = ROUND_TIME
    # Record the round (as the tick does) and "crash" before anything is sent.
    bot = w.env.bot
    async with bot.db.session() as session:
        server = await guilds.get_settings(session, w.guild.id)
        await rounds.record_round(session, bot.matcher, server, week="2026-W49", due_at=ROUND_TIME, now=clock.now)
    assert await counts(w.env) == (1, 2, 0)
    assert dm_count(w.env, w.members) == 0

    clock.advance(hours=2)
    await restart(w.env, settings, clock)
    await run_scheduled(w.env)
    assert await counts(w.env) == (1, 2, 4)
    assert dm_count(w.env, w.members) == 4
    assert len(summaries(w.intros_channel)) == 1

    await restart(w.env, settings, clock)
    await run_scheduled(w.env)
    assert dm_count(w.env, w.members) == 4
    assert len(summaries(w.intros_channel)) == 1


async def test_a_restart_catches_up_a_missed_round_within_a_day_only(community, clock, settings):
    w = community
    clock.now = ROUND_TIME.replace(hour=20)  # the bot was down at 09:00; back the same evening
    await restart(w.env, settings, clock)
    await run_scheduled(w.env)
    assert (await counts(w.env))[0] == 1

    clock.now = datetime(2026, 12, 8, 8, 1, tzinfo=UTC)  # down until 24 hours and a minute after the next round
    await run_scheduled(w.env)
    assert (await counts(w.env))[0] == 1


async def test_a_closed_dm_does_not_stop_the_round(community, clock):
    w = community
    dm = w.env.backend.get_dm_channel(w.members["anouk"].id)
    w.env.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007, times=None)
    clock.now = ROUND_TIME
    await run_scheduled(w.env)
    assert await counts(w.env) == (1, 2, 4)
    others = {name: m for name, m in w.members.items() if name not in ("anouk", "eva")}
    assert dm_count(w.env, others) == 3
    [thread] = w.intros_channel.threads
    assert w.members["anouk"].mention in thread.last_message.content
    assert len(summaries(w.intros_channel)) == 1


@pytest.mark.parametrize(
    ("start", "weekday", "at"),
    [
        # Spring forward: Sunday 29 March 2026, 02:30 does not exist in Amsterdam.
        (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), 6, "02:30"),
        # Fall back: Sunday 25 October 2026, 02:30 happens twice.
        (datetime(2026, 10, 24, 12, 0, tzinfo=UTC), 6, "02:30"),
        # The Monday after each change, at the default time.
        (datetime(2026, 3, 29, 12, 0, tzinfo=UTC), 0, "09:00"),
        (datetime(2026, 10, 25, 12, 0, tzinfo=UTC), 0, "09:00"),
    ],
)
async def test_dst_weeks_run_exactly_once(community, clock, start, weekday, at):
    w = community
    async with w.env.bot.db.session() as session:
        await guilds.configure_intros(session, w.guild.id, channel_id=w.intros_channel.id, weekday=weekday, at=at)
    clock.now = start
    for _ in range(2 * 24 * 2):  # every 30 minutes for two days
        await run_scheduled(w.env)
        clock.advance(minutes=30)
    assert (await counts(w.env))[0] == 1
    assert len(summaries(w.intros_channel)) == 1


async def test_chance_meetings_for_members_without_a_match(simcord_env, clock):
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    intros_channel = guild.create_text_channel("kennismaken")
    async with env.bot.db.session() as session:
        await guilds.configure_intros(session, guild.id, channel_id=intros_channel.id)
    lonely = []
    for name, sector, offer in (("fien", "citizen", "taalcafé"), ("gert", "company", "stageplekken logistiek")):
        member = guild.add_member(env.create_user(name, global_name=name.title()))
        await member.slash(general, "profile set", sector=sector)
        await member.slash(general, "offer add", text=offer)
        await member.slash(general, "intro join", chance_meetings=True)
        lonely.append(member)
    shy = guild.add_member(env.create_user("hans"))
    await shy.slash(general, "offer add", text="houtbewerking")
    await shy.slash(general, "intro join")  # no chance meetings

    clock.now = ROUND_TIME
    await run_scheduled(env)
    for member in lonely:
        proposal = member.user.dm_channel.last_message
        assert "A chance meeting" in proposal.embeds[0].fields[0].value
    assert shy.user.dm_channel.history() == []
    assert summaries(intros_channel)[0].content.startswith(
        "De kennismakingen van deze week zijn verstuurd: 1 voorstel (waarvan 1 toevallige ontmoeting) aan 2 leden."
    )


async def test_the_summary_speaks_the_language_chosen_in_setup(community, clock):
    w = community
    done = await w.officer.slash(w.general, "intro setup", channel=w.intros_channel, language="en")
    assert "Public posts in this server are in English." in done.response.content
    clock.now = ROUND_TIME
    await run_scheduled(w.env)
    assert summaries(w.intros_channel, "nl") == []
    [summary] = summaries(w.intros_channel, "en")
    assert summary.content == (
        "This week's introductions are out: 2 proposals to 4 members. "
        f"Not joined yet? Use {join_mention(w.env, w.guild)}."
    )
    assert summary.mentions == [] and summary.role_mentions == []


async def test_a_round_without_proposals_posts_no_summary(simcord_env, clock):
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    intros_channel = guild.create_text_channel("kennismaken")
    async with env.bot.db.session() as session:
        await guilds.configure_intros(session, guild.id, channel_id=intros_channel.id)
    alone = guild.add_member(env.create_user("ilse"))
    await alone.slash(general, "offer add", text="juridisch advies")
    await alone.slash(general, "intro join")
    clock.now = ROUND_TIME
    await run_scheduled(env)
    clock.advance(minutes=5)
    await run_scheduled(env)
    assert (await counts(env))[:2] == (1, 0)  # the round ran once, with nothing to propose
    assert intros_channel.history() == []  # and said nothing: no "0 proposals to 0 members"


@pytest.mark.parametrize(
    ("locale", "counts_", "expected"),
    [
        ("nl", (1, 0, 2), "1 voorstel aan 2 leden."),
        ("nl", (3, 2, 6), "3 voorstellen (waarvan 2 toevallige ontmoetingen) aan 6 leden."),
        ("en", (1, 1, 2), "1 proposal (including 1 chance meeting) to 2 members."),
        ("en", (1234, 0, 2468), "1,234 proposals to 2,468 members."),
    ],
)
def test_summary_counts_take_the_right_plural_form(locale, counts_, expected):
    text = summary_text(locale, *counts_, join="</intro join:1>")
    assert expected in text and text.endswith("</intro join:1>.")


async def test_a_dutch_moderator_sets_dutch_public_posts(community, clock):
    w = community
    with member_locales({w.officer.id: "nl"}):
        done = await w.officer.slash(w.general, "intro setup", channel=w.intros_channel, language="nl")
    assert "Openbare berichten in deze server zijn in het Nederlands." in done.response.content
    async with w.env.bot.db.session() as session:
        assert (await guilds.get_settings(session, w.guild.id)).language == "nl"
    clock.now = ROUND_TIME
    await run_scheduled(w.env)
    assert len(summaries(w.intros_channel, "nl")) == 1


async def test_a_lone_member_who_wants_chance_meetings_meets_someone_who_allows_them(simcord_env, clock):
    """Nobody else without a match wants a chance meeting: a member who allows them and got a
    proposal this round meets the lone member too, from another sector first."""
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    intros_channel = guild.create_text_channel("kennismaken")
    async with env.bot.db.session() as session:
        await guilds.configure_intros(session, guild.id, channel_id=intros_channel.id)
    people = {}
    for name, sector, offer, need, chance in (
        ("fien", "citizen", "taalcafé", None, True),  # no match, wants a chance meeting
        ("gert", "company", "subsidies aanvragen", None, True),  # has a match, allows chance meetings
        ("ilse", "government", None, "subsidieaanvraag schrijven", False),
    ):
        member = guild.add_member(env.create_user(name, global_name=name.title()))
        await member.slash(general, "profile set", sector=sector)
        if offer:
            await member.slash(general, "offer add", text=offer)
        if need:
            await member.slash(general, "need add", text=need)
        await member.slash(general, "intro join", chance_meetings=chance)
        people[name] = member

    clock.now = ROUND_TIME
    await run_scheduled(env)
    fien = people["fien"].user.dm_channel.last_message
    assert "A chance meeting" in fien.embeds[0].fields[0].value and "Gert" in fien.embeds[0].description
    gert = [m.embeds[0] for m in people["gert"].user.dm_channel.history() if m.embeds]
    assert len(gert) == 2  # the matched proposal with Ilse, and the chance meeting with Fien
