"""Getting proposals, connection threads and follow-ups to members.

Members who joined introductions get DMs. Where a DM is closed (Discord answers 403),
the bot asks in a private thread of the introductions channel with that member only.
One failed delivery never stops the others.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.i18n import t
from bot.messaging import fetch_channel, pings, private_thread, send_dm, text_channel
from bot.services import guilds, intros
from bot.ui import safe
from cogs.introductions.render import proposal_embed, reasons_text
from cogs.introductions.views import answer_view, met_view
from models import Introduction

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)


async def send_proposal(bot: Bot, intro_id: int, user_id: int) -> bool:
    """Ask one member about one introduction. Returns whether it reached them."""
    async with bot.db.session() as session:
        intro = await intros.get(session, intro_id)
        if intro is None:
            return False
        settings = await guilds.get_settings(session, intro.guild_id)
        party = intros.party_of(intro, user_id)
        other = intros.other_party(intro, user_id).member
        locale = party.member.locale
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
    view = answer_view(intro_id, locale)
    message = await send_dm(bot, user_id, embed=embed, view=view)
    if message is None:
        channel = await text_channel(bot, settings.intro_channel_id)
        if channel is None:
            log.warning("no introductions channel in guild %s to reach member %s", intro.guild_id, user_id)
            return False
        try:
            thread = await private_thread(channel, t(locale, "intro.thread.ask_name", name=other.name), (user_id,))
            message = await thread.send(
                content=t(locale, "intro.thread.ask_hello", mention=f"<@{user_id}>"),
                embed=embed,
                view=view,
                allowed_mentions=pings([user_id]),
            )
        except discord.HTTPException:
            log.exception("could not reach member %s about introduction %s", user_id, intro_id)
            return False
    async with bot.db.session() as session:
        await intros.record_prompt(session, intro_id, user_id, channel_id=message.channel.id, message_id=message.id)
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


async def open_connection(bot: Bot, intro: Introduction) -> discord.Thread | None:
    """Both said yes: a private thread with the two of them, the reason and a conversation starter."""
    async with bot.db.session() as session:
        settings = await guilds.get_settings(session, intro.guild_id)
        fresh = await intros.get(session, intro.id)
        assert fresh is not None
        parties = [(p.user_id, p.member.name, p.member.locale) for p in fresh.parties]
        reasons, chance = fresh.reasons, fresh.chance
    channel = await text_channel(bot, settings.intro_channel_id)
    if channel is None:
        log.warning("introduction %s connected but guild %s has no introductions channel", intro.id, intro.guild_id)
        return None
    names = {user_id: name for user_id, name, _ in parties}
    (a, a_name, a_locale), (b, b_name, b_locale) = parties
    thread = await private_thread(channel, f"{a_name} × {b_name}", (a, b))
    texts = []
    for locale in dict.fromkeys((a_locale, b_locale)):
        texts.append(
            t(
                locale,
                "intro.connected.body",
                a=f"<@{a}>",
                b=f"<@{b}>",
                why=reasons_text(locale, reasons, 0, names, chance=chance),
                starter=t(locale, "intro.connected.starter"),
            )
        )
    await thread.send("\n\n".join(texts)[:2000], allowed_mentions=pings([a, b]))
    async with bot.db.session() as session:
        await intros.set_thread(session, intro.id, thread.id)
    return thread


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
