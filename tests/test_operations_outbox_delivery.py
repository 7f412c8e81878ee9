"""Proposals, follow-ups and round summaries go through the outbox: nothing lost in a crash.

A crash is simulated as it happens: the claim that decides a message is due commits (and with
it the outbox item), a sender claims the item and dies before it sends anything. After a
restart the item is claimed again once ``outbox.CLAIM_TIMEOUT`` has passed and sent once, with
the nonce derived from its key (SimCord ignores nonces, so the tests read them from the
requests the bot made).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
from sqlalchemy import select

from bot import outbox
from bot.services import guilds, intros, rounds
from bot.status import collect
from models import Introduction, IntroParty, IntroRound, OutboxMessage
from tests.sim import nonces, restart, run_scheduled, synced_guild

# Monday 30 November 2026, 09:00 in Amsterdam: the default round time.
ROUND_TIME = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SUMMARY = "De kennismakingen van deze week zijn verstuurd"
QUESTION = "Did you meet?"


@dataclass
class World:
    env: Any
    guild: Any
    general: Any
    intros_channel: Any
    anouk: Any
    bram: Any


@pytest.fixture
async def world(simcord_env) -> World:
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    intros_channel = guild.create_text_channel("kennismaken")
    officers = guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("officer"), roles=[officers])
    await officer.slash(general, "intro setup", channel=intros_channel)
    anouk = guild.add_member(env.create_user("anouk", global_name="Anouk de Vries"))
    bram = guild.add_member(env.create_user("bram", global_name="Bram Janssen"))
    await anouk.slash(general, "need add", text="subsidieaanvraag schrijven")
    await anouk.slash(general, "offer add", text="contacten binnen de gemeente")
    await bram.slash(general, "offer add", text="subsidies aanvragen")
    await bram.slash(general, "need add", text="werkruimte voor reparaties")
    for member in (anouk, bram):
        await member.slash(general, "intro join")
    return World(env, guild, general, intros_channel, anouk, bram)


def dms(member, containing: str = "") -> list[discord.Message]:
    return [
        m
        for m in member.user.dm_channel.history()
        if containing in (m.content or "") or any(containing in (e.title or "") for e in m.embeds)
    ]


def summaries(channel) -> list[discord.Message]:
    return [m for m in channel.history() if SUMMARY in m.content]


async def items(env) -> dict[str, OutboxMessage]:
    async with env.bot.db.read() as session:
        return {item.key: item for item in (await session.execute(select(OutboxMessage))).scalars()}


async def crash_after_claiming(bot, *, kinds: tuple[str, ...]) -> list[outbox.Item]:
    """A sender claimed the due outbox items and died before sending anything."""
    async with bot.db.session() as session:
        return await outbox.claim(session, bot.clock(), kinds=kinds)


async def test_a_round_claimed_but_never_sent_goes_out_once_after_a_restart(world, clock, settings):
    w = world
    clock.now = ROUND_TIME
    bot = w.env.bot
    # The tick records the round, puts its proposals and summary in the outbox, claims them... and dies.
    async with bot.db.session() as session:
        server = await guilds.get_settings(session, w.guild.id)
        await rounds.record_round(session, bot.matcher, server, week="2026-W49", due_at=ROUND_TIME, now=clock.now)
    async with bot.db.session() as session:
        claimed = await intros.claim_undelivered(session, w.guild.id, clock.now)
        await rounds.claim_summaries(session, w.guild.id, clock.now)
    [(intro_id, _), _] = claimed
    crashed = await crash_after_claiming(bot, kinds=("proposal", "summary"))
    assert sorted(i.key for i in crashed) == sorted(
        [f"proposal:{intro_id}:{w.anouk.id}", f"proposal:{intro_id}:{w.bram.id}", "summary:1"]
    )

    clock.advance(minutes=1)
    bot = await restart(w.env, settings, clock)
    await run_scheduled(w.env)
    # Still within the claim timeout: the crashed sender might be sending right now.
    assert dms(w.anouk) == dms(w.bram) == summaries(w.intros_channel) == []

    clock.now = ROUND_TIME + outbox.CLAIM_TIMEOUT
    await run_scheduled(w.env)
    [to_anouk], [to_bram] = dms(w.anouk), dms(w.bram)
    [summary] = summaries(w.intros_channel)
    assert summary.content.startswith(f"{SUMMARY}: 1 voorstel aan 2 leden.")

    # The prompts are recorded, so the buttons work; the summary is recorded on its round.
    async with bot.db.read() as session:
        rows = (await session.execute(select(IntroParty.user_id, IntroParty.prompt_message_id))).all()
        prompts = {user_id: message_id for user_id, message_id in rows}
        summary_message_id = await session.scalar(select(IntroRound.summary_message_id))
    assert prompts == {w.anouk.id: to_anouk.id, w.bram.id: to_bram.id}
    assert summary_message_id == summary.id
    accepted = await w.anouk.user.click(to_anouk, label="Accept")
    assert not accepted.response.content.startswith("This introduction")  # not "unknown" or "expired"

    # Each went with the nonce of its outbox item, enforced; sent on the second attempt.
    key = f"proposal:{intro_id}:{w.anouk.id}"
    assert nonces(w.env, w.anouk.user.dm_channel.id) == [(outbox.nonce(key), True)]
    assert nonces(w.env, w.intros_channel.id)[-1] == (outbox.nonce("summary:1"), True)
    stored = await items(w.env)
    assert stored[key].sent_at is not None and stored[key].message_id == to_anouk.id
    assert stored[key].attempts == 2

    # Later ticks and another restart send nothing more.
    clock.advance(hours=1)
    await restart(w.env, settings, clock)
    await run_scheduled(w.env)
    assert len(dms(w.anouk)) == len(dms(w.bram)) == len(summaries(w.intros_channel)) == 1


async def test_a_follow_up_claimed_but_never_sent_goes_out_once_after_a_restart(world, clock, settings):
    w = world
    shown = await w.anouk.slash(w.general, "match")
    await w.anouk.click(shown.response, label="Introduce us (1)")
    await w.anouk.user.click(w.anouk.user.dm_channel.last_message, label="Accept")
    await w.bram.user.click(w.bram.user.dm_channel.last_message, label="Accept")
    clock.advance(days=7)
    bot = w.env.bot
    async with bot.db.session() as session:
        [intro] = await intros.claim_followups(session, clock.now)
    await crash_after_claiming(bot, kinds=("followup",))

    bot = await restart(w.env, settings, clock)
    await run_scheduled(w.env)
    assert dms(w.anouk, QUESTION) == dms(w.bram, QUESTION) == []

    clock.advance(minutes=2)
    await run_scheduled(w.env)
    clock.advance(minutes=1)
    await run_scheduled(w.env)
    [question] = dms(w.anouk, QUESTION)
    assert len(dms(w.bram, QUESTION)) == 1
    assert question.content == f"A week ago you were introduced to Bram Janssen. {QUESTION}"
    key = intros.followup_key(intro.id, w.anouk.id)
    assert nonces(w.env, w.anouk.user.dm_channel.id)[-1] == (outbox.nonce(key), True)
    assert (await items(w.env))[key].message_id == question.id
    answered = await w.anouk.user.click(question, label="Not yet")
    assert answered.response.content.startswith("Thanks! There is still time")


async def test_two_ticks_at_the_same_moment_send_each_message_once(world, clock):
    w = world
    clock.now = ROUND_TIME
    # Two ticks at once (as two schedulers on one database), then the bot settles once.
    await asyncio.gather(run_scheduled(w.env, settle=False), run_scheduled(w.env, settle=False))
    await w.env.settle()
    assert len(dms(w.anouk)) == len(dms(w.bram)) == len(summaries(w.intros_channel)) == 1
    stored = await items(w.env)
    assert sorted(k.split(":")[0] for k in stored) == ["proposal", "proposal", "summary"]
    assert all(item.attempts == 1 and item.sent_at is not None for item in stored.values())


async def test_a_failed_post_is_retried_then_given_up_and_counted(world, clock, settings):
    w = world
    # Discord answers 503 to every post in the introductions channel from now on.
    w.env.inject_error("POST", f"/channels/{w.intros_channel.id}/messages", status=503, times=None)
    clock.now = ROUND_TIME
    for _ in range(outbox.MAX_ATTEMPTS + 2):
        await run_scheduled(w.env)
        clock.advance(minutes=1)
    assert len(dms(w.anouk)) == len(dms(w.bram)) == 1  # the proposals were not held up
    assert len(nonces(w.env, w.intros_channel.id)) == outbox.MAX_ATTEMPTS  # tried five times, then no more
    assert len({nonce for nonce, _ in nonces(w.env, w.intros_channel.id)}) == 1
    item = (await items(w.env))["summary:1"]
    assert (item.sent_at, item.attempts) == (None, outbox.MAX_ATTEMPTS)
    assert "503" in (item.last_error or "")
    report = await collect(settings, now=clock.now)
    assert report.pending["outbox_given_up"] == 1
    assert report.pending["outbox_waiting"] == report.pending["outbox_unconfirmed"] == 0


async def test_a_failed_post_goes_out_at_the_next_tick(world, clock):
    w = world
    w.env.inject_error("POST", f"/channels/{w.intros_channel.id}/messages", status=503, times=1)
    clock.now = ROUND_TIME
    await run_scheduled(w.env)
    assert summaries(w.intros_channel) == []
    clock.advance(minutes=1)
    await run_scheduled(w.env)
    clock.advance(minutes=1)
    await run_scheduled(w.env)
    assert len(summaries(w.intros_channel)) == 1
    assert (await items(w.env))["summary:1"].attempts == 2


async def test_a_member_reached_neither_by_dm_nor_in_a_thread_is_not_retried(world, clock):
    w = world
    dm = w.env.backend.get_dm_channel(w.anouk.id)
    w.env.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007, times=None)
    w.env.inject_error("POST", f"/channels/{w.intros_channel.id}/threads", status=403, code=50001, times=None)
    clock.now = ROUND_TIME
    for _ in range(3):
        await run_scheduled(w.env)
        clock.advance(minutes=1)
    assert len(dms(w.bram)) == 1
    creates = [r for r in w.env.http_requests if r.path == f"/channels/{w.intros_channel.id}/threads"]
    assert len(creates) == 1  # given up at once: a closed DM and no thread will not open by retrying
    async with w.env.bot.db.read() as session:
        [intro_id] = (await session.execute(select(Introduction.id))).scalars().all()
    item = (await items(w.env))[intros.proposal_key(intro_id, w.anouk.id)]
    assert (item.sent_at, item.attempts) == (None, outbox.MAX_ATTEMPTS)


async def test_a_member_who_left_is_not_sent_the_retry(world, clock, settings):
    w = world
    clock.now = ROUND_TIME
    bot = w.env.bot
    async with bot.db.session() as session:
        server = await guilds.get_settings(session, w.guild.id)
        await rounds.record_round(session, bot.matcher, server, week="2026-W49", due_at=ROUND_TIME, now=clock.now)
    async with bot.db.session() as session:
        await intros.claim_undelivered(session, w.guild.id, clock.now)
    await crash_after_claiming(bot, kinds=("proposal",))
    w.guild.remove_member(w.bram)
    await w.env.settle()
    await restart(w.env, settings, clock)
    clock.advance(minutes=2)
    await run_scheduled(w.env)
    assert dms(w.anouk) == dms(w.bram) == []
    stored = await items(w.env)
    proposals = [item for key, item in stored.items() if key.startswith("proposal:")]
    assert len(proposals) == 2
    assert all(item.sent_at is not None and item.message_id is None for item in proposals)
