"""Putting challenges on Discord: the post and its thread, updates, announcements, invitations.

A post is a forum post in a forum channel, else a message with its own thread. Public texts
use the server's default language; invitations the invited member's. Nothing here pings
anyone except an invitation mention, which pings exactly the invited member.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import discord

from bot.i18n import t
from bot.messaging import fetch_channel, pings, send_dm
from bot.services import challenges
from bot.services.challenges import ChallengeView, Invitation
from bot.ui import NO_PINGS, safe
from cogs.challenges.render import (
    full_text,
    invitation_embed,
    is_long,
    post_embed,
    reason_lines,
)
from cogs.challenges.views import join_view, post_view

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)

Postable = discord.TextChannel | discord.ForumChannel
ARCHIVE_MINUTES = 10080  # a week of quiet before Discord hides the thread
THREAD_ARCHIVED = 50083


async def challenge_channel(bot: Bot, channel_id: int | None) -> Postable | None:
    channel = await fetch_channel(bot, channel_id)
    return channel if isinstance(channel, Postable) else None


def can_post(channel: Postable) -> bool:
    """Whether the bot may post challenges there (a forum post, or a message and a thread)."""
    me = channel.guild.me
    if me is None:
        return True  # not cached: Discord will tell when posting
    allowed = channel.permissions_for(me)
    needed = [allowed.view_channel, allowed.send_messages, allowed.embed_links, allowed.send_messages_in_threads]
    if isinstance(channel, discord.TextChannel):
        needed.append(allowed.create_public_threads)
    return all(needed)


@dataclass
class Posted:
    channel_id: int
    message_id: int
    thread_id: int
    undo: Callable[[], Awaitable[None]]


async def publish(bot: Bot, view: ChallengeView, channel: Postable) -> Posted:
    """Post a challenge with its thread; on any failure, whatever was posted is removed again."""
    locale = bot.settings.default_locale
    buttons = post_view(view.id, locale, finished=False)
    name = view.title[:100]
    if isinstance(channel, discord.ForumChannel):
        created = await channel.create_thread(
            name=name,
            embed=post_embed(locale, view),
            view=buttons,  # type: ignore[arg-type]
            allowed_mentions=NO_PINGS,
            auto_archive_duration=ARCHIVE_MINUTES,
        )
        thread, message = created.thread, created.message

        async def undo() -> None:
            await _quietly(thread.delete())
    else:
        message = await channel.send(
            embed=post_embed(locale, view),
            view=buttons,
            allowed_mentions=NO_PINGS,  # type: ignore[arg-type]
        )
        try:
            thread = await message.create_thread(name=name, auto_archive_duration=ARCHIVE_MINUTES)
        except BaseException:
            await _quietly(message.delete())
            raise

        async def undo() -> None:
            await _quietly(thread.delete())
            await _quietly(message.delete())

    # channel_id is where the message is: the forum post's own thread, or the text channel.
    posted = Posted(message.channel.id, message.id, thread.id, undo)
    try:
        if is_long(view):
            # The post shows the start; the thread holds all of it, and the post now links there.
            for piece in full_text(locale, view):
                await thread.send(piece, allowed_mentions=NO_PINGS)
            placed = replace(view, channel_id=posted.channel_id, message_id=message.id, thread_id=thread.id)
            await message.edit(embed=post_embed(locale, placed), allowed_mentions=NO_PINGS)
    except BaseException:
        await undo()
        raise
    return posted


async def _quietly(action: Awaitable[object]) -> None:
    try:
        await action
    except discord.HTTPException:
        log.warning("could not clean up after a failed challenge post", exc_info=True)


async def _unarchive(bot: Bot, thread_id: int) -> None:
    thread = await fetch_channel(bot, thread_id)
    if isinstance(thread, discord.Thread) and thread.archived:
        await thread.edit(archived=False)


async def refresh_post(bot: Bot, challenge_id: int) -> None:
    """Show the current status and team on the post (buttons gone once it is finished)."""
    async with bot.db.session() as session:
        view = await challenges.view(session, challenge_id)
    if view.message_id is None or view.channel_id is None:
        return
    locale = bot.settings.default_locale
    message = bot.get_partial_messageable(view.channel_id).get_partial_message(view.message_id)
    kwargs = {
        "embed": post_embed(locale, view),
        "view": post_view(view.id, locale, finished=view.finished),
        "allowed_mentions": NO_PINGS,
    }
    try:
        try:
            await message.edit(**kwargs)  # type: ignore[arg-type]
        except discord.HTTPException as exc:
            if exc.code != THREAD_ARCHIVED or view.thread_id is None:
                raise
            await _unarchive(bot, view.thread_id)
            await message.edit(**kwargs)  # type: ignore[arg-type]
    except discord.HTTPException:
        log.warning("post of challenge %s could not be updated", challenge_id, exc_info=True)


async def announce(bot: Bot, view: ChallengeView, content: str) -> None:
    """A message in the challenge's thread (which also brings an archived thread back)."""
    if view.thread_id is None:
        return
    try:
        await bot.get_partial_messageable(view.thread_id).send(content[:2000], allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("could not announce in the thread of challenge %s", view.id, exc_info=True)


async def add_to_thread(bot: Bot, view: ChallengeView, user_id: int) -> None:
    """A new team member follows the thread from now on."""
    thread = await fetch_channel(bot, view.thread_id)
    if not isinstance(thread, discord.Thread):
        return
    try:
        await thread.add_user(discord.Object(user_id))
    except discord.HTTPException:
        log.info("could not add %s to the thread of challenge %s", user_id, view.id)


async def deliver_invitation(bot: Bot, invitation: Invitation, *, by: str) -> str | None:
    """A DM with a Join button; where DMs are closed, a mention in the challenge thread.

    Returns "dm", "thread", or None when the member could not be reached at all.
    """
    view, locale, user_id = invitation.challenge, invitation.locale, invitation.user_id
    guild = bot.get_guild(view.guild_id)
    embed = invitation_embed(locale, view, by=by, server=guild.name if guild else "Discord", reasons=invitation.reasons)
    if await send_dm(bot, user_id, embed=embed, view=join_view(view.id, locale)) is not None:
        return "dm"
    if view.thread_id is None:
        return None
    content = t(
        locale,
        "challenge.thread.invite",
        mention=f"<@{user_id}>",
        by=safe(by),
        why=reason_lines(locale, invitation.reasons),
        id=view.id,
    )
    try:
        await bot.get_partial_messageable(view.thread_id).send(
            content[:2000], view=join_view(view.id, locale), allowed_mentions=pings([user_id])
        )
    except discord.HTTPException:
        log.warning("could not invite %s in the thread of challenge %s", user_id, view.id, exc_info=True)
        return None
    return "thread"


async def refresh_event(bot: Bot, event_id: int | None) -> None:
    """Let the linked hackathon's announcement list its challenges again (when events provide it)."""
    if event_id is None:
        return
    try:
        refresh = getattr(importlib.import_module("cogs.events"), "refresh_announcement", None)
        if refresh is not None:
            await refresh(bot, event_id)
    except Exception:
        log.exception("the announcement of event %s could not be refreshed", event_id)
