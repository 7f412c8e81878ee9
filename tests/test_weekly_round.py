"""The weekly round: exactly once per server and week, across restarts, crashes and DST."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
from sqlalchemy import func, select

from bot.services import guilds, rounds
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
    return World(env, guild, general, intros_channel, members)


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


def summaries(channel) -> list[discord.Message]:
    # No interaction asks for a language here: the server default (DEFAULT_LOCALE, nl) is used.
    return [m for m in channel.history() if "De kennismakingen van deze week zijn verstuurd" in m.content]


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
    assert summary.content.startswith(
        "De kennismakingen van deze week zijn verstuurd: 2 voorstellen (0 toevallige ontmoetingen) aan 4 leden."
    )

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
        "De kennismakingen van deze week zijn verstuurd: 1 voorstellen (1 toevallige ontmoetingen) aan 2 leden."
    )
