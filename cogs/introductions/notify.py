"""Sending without an interaction: proposals, connection threads, follow-ups and the weekly round.

Members who joined introductions get DMs. Where a DM is closed (Discord answers 403),
the bot asks in a private thread of the introductions channel with that member only.
One failed delivery never stops the others. No database session is open while Discord is
called: read, close, send, then store in a new short unit of work (``post_then_store``).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import time
from typing import TYPE_CHECKING

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import t
from bot.messaging import fetch_channel, pings, post_then_store, private_thread, send_dm, text_channel
from bot.services import guilds, intros, rounds
from bot.services.schedule import due_round
from bot.ui import safe
from cogs.introductions.buttons import answer_view, met_view
from cogs.introductions.render import connection_text, proposal_embed, summary_text

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)


class NotReached(Exception):
    """A member could be reached neither by DM nor in a thread."""


async def send_proposal(bot: Bot, intro_id: int, user_id: int) -> bool:
    """Ask one member about one introduction. Returns whether it reached them."""
    async with bot.db.session() as session:
        intro = await intros.get(session, intro_id)
        if intro is None:
            return False
        settings = await guilds.get_settings(session, intro.guild_id)
        guild_id, channel_id = intro.guild_id, settings.intro_channel_id
        other = intros.other_party(intro, user_id).member
        locale = intros.party_of(intro, user_id).member.locale
        names = {p.user_id: p.member.name for p in intro.parties}
        embed = proposal_embed(
            locale,
            reader=user_id,
            other_name=other.name,
            other_sector=other.sector,
            other_organisation=other.organisation,
            reasons=intro.reasons,
            names=names,
            chance=intro.chance,
            expires_at=int(intro.expires_at.timestamp()),
        )
        thread_name = t(locale, "intro.thread.ask_name", name=other.name)
    view = answer_view(intro_id, locale)

    async def post() -> discord.Message:
        message = await send_dm(bot, user_id, embed=embed, view=view)
        if message is not None:
            return message
        channel = await text_channel(bot, channel_id)
        if channel is None:
            raise NotReached(f"no introductions channel in guild {guild_id} to reach member {user_id}")
        thread = await private_thread(channel, thread_name, (user_id,))
        return await thread.send(
            content=t(locale, "intro.thread.ask_hello", mention=f"<@{user_id}>"),
            embed=embed,
            view=view,
            allowed_mentions=pings([user_id]),
        )

    async def store(session: AsyncSession, message: discord.Message) -> None:
        await intros.record_prompt(session, intro_id, user_id, channel_id=message.channel.id, message_id=message.id)

    try:
        await post_then_store(bot.db, post, store, lambda message: message.delete())
    except NotReached as exc:
        log.warning("%s", exc)
        return False
    except discord.HTTPException:
        log.exception("could not reach member %s about introduction %s", user_id, intro_id)
        return False
    return True


async def deliver_pending(bot: Bot, guild_id: int) -> tuple[int, int]:
    """Send every pending, unsent proposal of a server once. Returns (reached, not reached)."""
    async with bot.db.session() as session:
        claimed = await intros.claim_undelivered(session, guild_id, bot.clock())
    reached = failed = 0
    for intro_id, user_id in claimed:
        try:
            ok = await send_proposal(bot, intro_id, user_id)
        except Exception:
            log.exception("proposal %s for %s failed", intro_id, user_id)
            ok = False
        reached, failed = (reached + 1, failed) if ok else (reached, failed + 1)
    return reached, failed


async def open_connection(bot: Bot, intro_id: int) -> discord.Thread | None:
    """Both said yes: a private thread with the two of them, the reason and a conversation starter."""
    async with bot.db.session() as session:
        intro = await intros.get(session, intro_id)
        if intro is None:
            return None
        settings = await guilds.get_settings(session, intro.guild_id)
        guild_id, channel_id = intro.guild_id, settings.intro_channel_id
        parties = [(p.user_id, p.member.name, p.member.locale) for p in intro.parties]
        reasons, chance = intro.reasons, intro.chance
    channel = await text_channel(bot, channel_id)
    if channel is None:
        log.warning("introduction %s connected but guild %s has no introductions channel", intro_id, guild_id)
        return None
    (a, a_name, _), (b, b_name, _) = parties

    async def post() -> discord.Thread:
        thread = await private_thread(channel, f"{a_name} × {b_name}", (a, b))
        try:
            await thread.send(connection_text(parties, reasons, chance=chance), allowed_mentions=pings([a, b]))
        except BaseException:
            with contextlib.suppress(discord.HTTPException):
                await thread.delete()
            raise
        return thread

    async def store(session: AsyncSession, thread: discord.Thread) -> discord.Thread:
        await intros.set_thread(session, intro_id, thread.id)
        return thread

    return await post_then_store(bot.db, post, store, lambda thread: thread.delete())


async def send_followups(bot: Bot) -> int:
    """A week after connecting: "Did you meet?" to both, once."""
    async with bot.db.session() as session:
        due = await intros.claim_followups(session, bot.clock())
        jobs = [
            (
                intro.id,
                intro.thread_id,
                p.user_id,
                p.member.locale,
                p.member.intro_joined,
                intros.other_party(intro, p.user_id).member.name,
            )
            for intro in due
            for p in intro.parties
        ]
    sent = 0
    for intro_id, thread_id, user_id, locale, may_dm, other_name in jobs:
        content = t(locale, "intro.met.question", other=safe(other_name))
        view = met_view(intro_id, locale)
        message = None
        if may_dm:  # a member who left introductions since gets no more DMs, only the thread
            message = await send_dm(bot, user_id, content=content, view=view)
        if message is None and thread_id is not None:
            thread = await fetch_channel(bot, thread_id)
            try:
                assert isinstance(thread, discord.Thread)
                message = await thread.send(f"<@{user_id}> {content}", view=view, allowed_mentions=pings([user_id]))
            except (discord.HTTPException, AssertionError):
                log.info("follow-up for %s in introduction %s could not be delivered", user_id, intro_id)
        sent += message is not None
    return sent


async def post_summaries(bot: Bot, guild_id: int) -> None:
    """The weekly round's summary in the introductions channel, once per round, in the server's language.

    A round without proposals posts nothing: an empty summary every week only teaches members to
    skip the channel.
    """
    async with bot.db.session() as session:
        settings = await guilds.get_settings(session, guild_id)
        claimed = await rounds.claim_summaries(session, guild_id, bot.clock())
        channel_id = settings.intro_channel_id
        locale = guilds.language(settings, bot.settings.default_locale)
    claimed = [summary for summary in claimed if summary.pairs]
    if not claimed:
        return
    channel = await text_channel(bot, channel_id)
    if channel is None:
        return
    join = await bot.command_mention(guild_id, "intro join")
    for summary in claimed:
        text = summary_text(locale, summary.pairs, summary.chance, summary.members, join=join)
        try:
            await _post_summary(bot, channel, text, summary.round_id)
        except discord.HTTPException:
            log.exception("summary of round %s could not be posted", summary.round_id)


async def _post_summary(bot: Bot, channel: discord.TextChannel, text: str, round_id: int) -> None:
    async def post() -> discord.Message:
        return await channel.send(text, allowed_mentions=discord.AllowedMentions.none())

    async def store(session: AsyncSession, message: discord.Message) -> None:
        await rounds.set_summary_message(session, round_id, message.id)

    await post_then_store(bot.db, post, store, lambda message: message.delete())


async def run_round_if_due(bot: Bot, guild_id: int) -> rounds.RoundResult | None:
    now = bot.clock()
    async with bot.db.session() as session:
        settings = await guilds.get_settings(session, guild_id)
        tz = guilds.zone(settings, bot.settings.timezone)
        due = due_round(now, settings.intro_weekday, time(settings.intro_hour, settings.intro_minute), tz)
        result = None
        if due is not None:
            # Recorded (with every proposal) in one transaction, before anything is sent.
            result = await rounds.record_round(session, bot.matcher, settings, week=due[0], due_at=due[1], now=now)
    # Also finishes a round that a crash interrupted: unsent proposals, missing summary.
    await deliver_pending(bot, guild_id)
    await post_summaries(bot, guild_id)
    return result


async def run_due_work(bot: Bot) -> None:
    """The minute tick. Idempotent: safe to call any time, as often as wanted; each round and message happens once."""
    await bot.wait_until_ready()
    now = bot.clock()
    async with bot.db.session() as session:
        servers = await guilds.servers_with_intro_channel(session)
    for settings in servers:
        try:
            await run_round_if_due(bot, settings.guild_id)
        except Exception:
            log.exception("weekly round of guild %s failed", settings.guild_id)
    async with bot.db.session() as session:
        await intros.expire_due(session, now)
    await send_followups(bot)
