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
from bot.services import guilds, intros
from bot.ui import safe
from cogs.introductions.render import proposal_embed, reasons_text
from cogs.introductions.views import answer_view, met_view
from models import Introduction

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)


def _pings(*user_ids: int) -> discord.AllowedMentions:
    """Ping exactly the named members, never anyone else."""
    return discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(u) for u in user_ids])


async def _channel(bot: Bot, channel_id: int | None) -> discord.TextChannel | None:
    if channel_id is None:
        return None
    channel = bot.get_channel(channel_id)
    if channel is None:
        try:
            channel = await bot.fetch_channel(channel_id)
        except discord.HTTPException:
            return None
    return channel if isinstance(channel, discord.TextChannel) else None


async def _dm(bot: Bot, user_id: int, **kwargs: object) -> discord.Message | None:
    """Send a DM; None when the member's DMs are closed or the send failed."""
    try:
        user = bot.get_user(user_id) or await bot.fetch_user(user_id)
        return await user.send(**kwargs)  # type: ignore[arg-type]
    except discord.HTTPException as exc:
        log.info("DM to %s failed (%s); using a private thread", user_id, exc.status)
        return None


async def _private_thread(
    bot: Bot, channel: discord.TextChannel, name: str, user_ids: tuple[int, ...]
) -> discord.Thread:
    thread = await channel.create_thread(
        name=name[:100], type=discord.ChannelType.private_thread, invitable=False, auto_archive_duration=10080
    )
    for user_id in user_ids:
        await thread.add_user(discord.Object(user_id))
    return thread


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
    message = await _dm(bot, user_id, embed=embed, view=view, allowed_mentions=discord.AllowedMentions.none())
    if message is None:
        channel = await _channel(bot, settings.intro_channel_id)
        if channel is None:
            log.warning("no introductions channel in guild %s to reach member %s", intro.guild_id, user_id)
            return False
        try:
            thread = await _private_thread(bot, channel, t(locale, "intro.thread.ask_name", name=other.name), (user_id,))
            message = await thread.send(
                content=t(locale, "intro.thread.ask_hello", mention=f"<@{user_id}>"),
                embed=embed,
                view=view,
                allowed_mentions=_pings(user_id),
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
    channel = await _channel(bot, settings.intro_channel_id)
    if channel is None:
        log.warning("introduction %s connected but guild %s has no introductions channel", intro.id, intro.guild_id)
        return None
    names = {user_id: name for user_id, name, _ in parties}
    (a, a_name, a_locale), (b, b_name, b_locale) = parties
    thread = await _private_thread(bot, channel, f"{a_name} × {b_name}", (a, b))
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
    await thread.send("\n\n".join(texts)[:2000], allowed_mentions=_pings(a, b))
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
            message = await _dm(bot, user_id, content=content, view=view, allowed_mentions=discord.AllowedMentions.none())
        if message is None and thread_id is not None:
            thread = bot.get_channel(thread_id)
            try:
                if thread is None:
                    thread = await bot.fetch_channel(thread_id)
                assert isinstance(thread, discord.Thread)
                message = await thread.send(f"<@{user_id}> {content}", view=view, allowed_mentions=_pings(user_id))
            except (discord.HTTPException, AssertionError):
                log.info("follow-up for %s in introduction %s could not be delivered", user_id, intro_id)
        sent += message is not None
    return sent
