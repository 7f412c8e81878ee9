"""Sending without an interaction: proposals, connection threads, follow-ups and the weekly round.

Members who joined introductions get DMs. Where a DM is closed (Discord answers 403),
the bot asks in a private thread of the introductions channel with that member only.
One failed delivery never stops the others. No database session is open while Discord is
called: read, close, send, then store in a new short unit of work (``post_then_store``).

Proposals, follow-ups and round summaries go through the outbox (``bot.outbox``): the claim that
decides a message is due records it under a key; ``messaging.send_outbox`` claims the due items, sends each
with the item's nonce and confirms it together with what it stores (or records the failure).
A message claimed but never confirmed (a crash mid-send) is sent again after
``outbox.CLAIM_TIMEOUT``: at least once, the nonce keeping a quick retry from doubling it.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import time
from typing import TYPE_CHECKING

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.i18n import t
from bot.membership import still_member, still_members
from bot.messaging import (
    NotReached,
    Sender,
    fetch_channel,
    pings,
    post_then_store,
    private_thread,
    send_dm,
    send_outbox,
    text_channel,
)
from bot.services import guilds, intros, privacy, rounds
from bot.services.schedule import due_round
from bot.ui import safe
from cogs.introductions.buttons import answer_view, met_view
from cogs.introductions.render import connection_text, proposal_embed, summary_text
from cogs.privacy.buttons import stop_button
from models import Purpose

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)


async def _skip(bot: Bot, item: outbox.Item) -> bool:
    """Nothing to send any more (the member left, the introduction ended): done, never sent."""
    async with bot.db.session() as session:
        await outbox.confirm(session, item.id, now=bot.clock(), message_id=None)
    return False


async def send_proposal(bot: Bot, item: outbox.Item) -> bool:
    """Ask one member about one introduction (an outbox item of kind ``proposal``).

    Returns whether it was sent; raises when it could not be (``send_outbox`` records the failure).
    """
    intro_id, user_id = int(item.payload["intro"]), int(item.payload["user"])
    async with bot.db.session() as session:
        intro = await intros.get(session, intro_id)
        ended = intro is None or intro.expires_at <= bot.clock()
        if intro is not None and not ended:
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
            others = [p.user_id for p in intro.parties if p.user_id != user_id]
            # Imported by the operator: the first DM says why it came and offers to stop with one click.
            first_after_import = await privacy.first_contact_after_import(session, guild_id, user_id)
    if ended:
        return await _skip(bot, item)
    # Nobody who left is proposed or asked: checked right before sending, a missed leave included.
    # (still_member records a leave it finds, which ends the introduction silently.)
    if await still_members(bot, guild_id, [user_id, *others]) != [user_id, *others]:
        return await _skip(bot, item)
    view = answer_view(intro_id, locale)
    content = None
    if first_after_import:
        content = t(locale, "privacy.import.first_dm")
        view.add_item(stop_button(guild_id, Purpose.INTRODUCTIONS, locale))

    async def post() -> discord.Message:
        message = await send_dm(bot, user_id, content=content, embed=embed, view=view, nonce=item.nonce)
        if message is not None:
            return message
        channel = await text_channel(bot, channel_id)
        if channel is None:
            raise NotReached(f"no introductions channel in guild {guild_id} to reach member {user_id}")
        thread = await private_thread(channel, thread_name, (user_id,))
        return await thread.send(
            content="\n".join(filter(None, [t(locale, "intro.thread.ask_hello", mention=f"<@{user_id}>"), content])),
            embed=embed,
            view=view,
            allowed_mentions=pings([user_id]),
            nonce=item.nonce,
        )

    async def store(session: AsyncSession, message: discord.Message) -> None:
        # The buttons need the prompt; recorded with the confirmation, so both or neither.
        await intros.record_prompt(session, intro_id, user_id, channel_id=message.channel.id, message_id=message.id)
        await outbox.confirm(session, item.id, now=bot.clock(), message_id=message.id)

    await post_then_store(bot.db, post, store, lambda message: message.delete())
    return True


async def deliver_pending(bot: Bot, guild_id: int) -> tuple[int, int]:
    """Put every pending, unsent proposal of a server in the outbox, then send what is due there.

    Returns (sent, not sent).
    """
    async with bot.db.session() as session:
        await intros.claim_undelivered(session, guild_id, bot.clock())
    return await send_outbox(bot, {"proposal": send_proposal}, guild_id=guild_id)


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


async def send_followup(bot: Bot, item: outbox.Item) -> bool:
    """ "Did you meet?" to one member (an outbox item of kind ``followup``): by DM, else in their thread."""
    intro_id, user_id = int(item.payload["intro"]), int(item.payload["user"])
    async with bot.db.session() as session:
        intro = await intros.get(session, intro_id)
        if intro is not None:
            party = intros.party_of(intro, user_id)
            locale, may_dm = party.member.locale, party.member.intro_joined
            other_name = intros.other_party(intro, user_id).member.name
            guild_id, thread_id = intro.guild_id, intro.thread_id
    if intro is None or not await still_member(bot, guild_id, user_id):
        return await _skip(bot, item)
    content = t(locale, "intro.met.question", other=safe(other_name))
    view = met_view(intro_id, locale)

    async def post() -> discord.Message:
        if may_dm:  # a member who left introductions since gets no more DMs, only the thread
            message = await send_dm(bot, user_id, content=content, view=view, nonce=item.nonce)
            if message is not None:
                return message
        thread = await fetch_channel(bot, thread_id)
        if not isinstance(thread, discord.Thread):
            raise NotReached(f"follow-up for {user_id} in introduction {intro_id}: no DM and no thread")
        return await thread.send(
            f"<@{user_id}> {content}", view=view, allowed_mentions=pings([user_id]), nonce=item.nonce
        )

    async def store(session: AsyncSession, message: discord.Message) -> None:
        await outbox.confirm(session, item.id, now=bot.clock(), message_id=message.id)

    await post_then_store(bot.db, post, store, lambda message: message.delete())
    return True


async def send_summary(bot: Bot, item: outbox.Item) -> bool:
    """A round's summary (an outbox item of kind ``summary``) in the introductions channel, in the server's language."""
    if item.guild_id is None:
        raise NotReached(f"{item.key} names no server")
    guild_id, round_id = item.guild_id, int(item.payload["round"])
    async with bot.db.session() as session:
        settings = await guilds.get_settings(session, guild_id)
        channel_id = settings.intro_channel_id
        locale = guilds.language(settings, bot.settings.default_locale)
    channel = await text_channel(bot, channel_id)
    if channel is None:
        raise NotReached(f"guild {guild_id} has no introductions channel for the summary of round {round_id}")
    join = await bot.command_mention(guild_id, "intro join")
    text = summary_text(locale, item.payload["pairs"], item.payload["chance"], item.payload["members"], join=join)

    async def post() -> discord.Message:
        return await channel.send(text, allowed_mentions=discord.AllowedMentions.none(), nonce=item.nonce)

    async def store(session: AsyncSession, message: discord.Message) -> None:
        await rounds.set_summary_message(session, round_id, message.id)
        await outbox.confirm(session, item.id, now=bot.clock(), message_id=message.id)

    await post_then_store(bot.db, post, store, lambda message: message.delete())
    return True


#: Who sends an outbox item of each kind this feature records.
SENDERS: dict[str, Sender] = {"proposal": send_proposal, "followup": send_followup, "summary": send_summary}


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
    # Also finishes a round that a crash interrupted: unsent proposals, missing summary. Each
    # claim puts its messages in the outbox; run_due_work sends them (proposals before the summary).
    async with bot.db.session() as session:
        await intros.claim_undelivered(session, guild_id, now)
    async with bot.db.session() as session:
        await rounds.claim_summaries(session, guild_id, now)
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
    async with bot.db.session() as session:
        await intros.claim_followups(session, now)
    # One pass over the outbox for every server (in the order recorded), also what a crash left unsent.
    await send_outbox(bot, SENDERS)
