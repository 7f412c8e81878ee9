"""Buttons and the description form of challenges, each doing its own work.

Join, Leave and Invite are ``DynamicItem`` buttons: the custom id carries the challenge (and
the member to invite), so they keep working after a restart without any stored view. Each
click is handled here in full, with the bot's shared resources from ``interaction.client``
(database, matcher, clock, locks). The description form lives only while the moderator types
(its draft is in memory); submitting it posts the challenge.

What a click sends on its own (the post and its thread, an invitation) is here too, so one
click reads in one file; :mod:`cogs.challenges.notify` and the commands build on it.
Nothing holds a database session during a Discord call (``bot.messaging.post_then_store``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

import discord

from bot.errors import UserError
from bot.i18n import t
from bot.messaging import fetch_channel, pings, post_then_store, send_dm
from bot.services import guilds
from bot.services.challenges import fit, records
from bot.services.challenges.fit import Fit, Invitation
from bot.services.challenges.records import ChallengeView, Draft
from bot.services.challenges.rules import DESCRIPTION_MAX
from bot.ui import NO_PINGS, already_stored, is_moderator, locale_of, reports_errors, safe, send_ephemeral
from cogs.challenges.render import (
    cut,
    fit_embed,
    full_text,
    invitation_embed,
    is_long,
    message_url,
    post_embed,
    reason_lines,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import Bot

log = logging.getLogger(__name__)

MODAL_TIMEOUT = 30 * 60
MODAL_TITLE_MAX = 45
Postable = discord.TextChannel | discord.ForumChannel
ARCHIVE_MINUTES: Final = 10080  # a week of quiet before Discord hides the thread
THREAD_ARCHIVED = 50083


async def server_locale(bot: Bot, guild_id: int) -> str:
    """The language of the server's public posts (set in setup, else ``DEFAULT_LOCALE``)."""
    async with bot.db.session() as session:
        return guilds.language(await guilds.get_settings(session, guild_id), bot.settings.default_locale)


async def join_command(bot: Bot, guild_id: int) -> str:
    """``/challenge join`` as a command mention: clickable, in each reader's own language."""
    return await bot.command_mention(guild_id, "challenge join")


def lock_name(challenge_id: int) -> str:
    """Per challenge, a change and the post update that shows it happen one at a time (``bot.locks``)."""
    return f"challenge:{challenge_id}"


# --- the buttons ---------------------------------------------------------------------------------


def _label(item: discord.ui.Item[Any]) -> str:
    """The label a clicked button was sent with (kept when the item is rebuilt from its custom id)."""
    return (item.label or "") if isinstance(item, discord.ui.Button) else ""


class JoinButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"challenge:join:(?P<id>\d+)"):
    """On the post, on an invitation DM, and on a mention in the challenge thread."""

    def __init__(self, challenge_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=discord.ButtonStyle.success, custom_id=f"challenge:join:{challenge_id}"
            )
        )
        self.challenge_id = challenge_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> JoinButton:
        return cls(int(match["id"]), _label(item))

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        await change_team(interaction, self.challenge_id, join=True)


class LeaveButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"challenge:leave:(?P<id>\d+)"):
    def __init__(self, challenge_id: int, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=discord.ButtonStyle.secondary, custom_id=f"challenge:leave:{challenge_id}"
            )
        )
        self.challenge_id = challenge_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> LeaveButton:
        return cls(int(match["id"]), _label(item))

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        await change_team(interaction, self.challenge_id, join=False)


class InviteButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"challenge:invite:(?P<id>\d+):(?P<user>\d+)"
):
    """On the moderator's private skill-fit proposal: invite that member (moderators only)."""

    def __init__(self, challenge_id: int, user_id: int, label: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.primary,
                custom_id=f"challenge:invite:{challenge_id}:{user_id}",
                disabled=disabled,
            )
        )
        self.challenge_id = challenge_id
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> InviteButton:
        return cls(int(match["id"]), int(match["user"]), _label(item))

    @reports_errors
    async def callback(self, interaction: discord.Interaction[Bot]) -> None:
        """Checked again now (rights, consent, team), then a DM, or a mention in the thread."""
        if interaction.guild_id is None or not is_moderator(interaction):
            raise UserError("errors.not_allowed")
        bot, guild_id = interaction.client, interaction.guild_id
        locale = locale_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with bot.locks[lock_name(self.challenge_id)]:
            # The claim: recorded at once, so a second click (here or elsewhere) is refused.
            async with bot.db.session() as session:
                index = await bot.matcher.index(session, guild_id)
                invitation = await fit.invite(
                    session, index, guild_id, self.challenge_id, self.user_id, now=bot.clock()
                )
            how = await deliver_invitation(bot, invitation, by=interaction.user.display_name)
            if how is None:  # not reached: forget the claim, so it can be tried again
                async with bot.db.session() as session:
                    await fit.withdraw_invite(session, self.challenge_id, self.user_id)
                raise UserError("challenge.invite_failed", name=invitation.name)
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, f"challenge.invited_{how}", name=safe(invitation.name)))


DYNAMIC_ITEMS = (JoinButton, LeaveButton, InviteButton)


def post_view(challenge_id: int, locale: str, *, finished: bool) -> discord.ui.View | None:
    """Join and Leave; none once the challenge is done or closed."""
    if finished:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(JoinButton(challenge_id, t(locale, "challenge.button.join")))
    view.add_item(LeaveButton(challenge_id, t(locale, "challenge.button.leave")))
    return view


def join_view(challenge_id: int, locale: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(JoinButton(challenge_id, t(locale, "challenge.button.join")))
    return view


def invite_view(challenge_id: int, fits: Sequence[Fit], locale: str) -> discord.ui.View | None:
    if not fits:
        return None
    view = discord.ui.View(timeout=None)
    for number, found in enumerate(fits, start=1):
        label = t(locale, "challenge.fit.button", number=number)
        view.add_item(InviteButton(challenge_id, found.user_id, label, disabled=found.invited))
    return view


# --- the description form --------------------------------------------------------------------------


class DescriptionModal(discord.ui.Modal):
    """The last step of /challenge post: the description, up to 2,000 characters."""

    def __init__(self, draft: Draft, locale: str) -> None:
        super().__init__(
            # A form title has at most 45 characters: cut at a word, marked with "…".
            title=cut(t(locale, "challenge.modal.title", title=draft.title), MODAL_TITLE_MAX),
            custom_id="challenge:post",
            timeout=MODAL_TIMEOUT,
        )
        self.draft = draft
        self.description: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=t(locale, "challenge.modal.label")[:45],
            custom_id="description",
            placeholder=t(locale, "challenge.modal.placeholder")[:100],
            style=discord.TextStyle.paragraph,
            required=True,
            max_length=DESCRIPTION_MAX,
        )
        self.add_item(self.description)

    @reports_errors
    async def on_submit(self, interaction: discord.Interaction[Bot]) -> None:
        # Rights are checked again now: a moderator may have been demoted while typing.
        if interaction.guild_id != self.draft.guild_id or not is_moderator(interaction):
            raise UserError("errors.not_allowed")
        await create(interaction, self.draft, self.description.value or "")


async def create(interaction: discord.Interaction[Bot], draft: Draft, description: str) -> None:
    """The description was submitted: stored and posted together, or neither."""
    bot = interaction.client
    locale = locale_of(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    # Validated and numbered in one short unit of work (the post shows the number).
    async with bot.db.session() as session:
        created = await records.create(session, draft, description, created_by=interaction.user.id, now=bot.clock())
        view = await records.view(session, created.id)
    try:
        channel = await challenge_channel(bot, draft.channel_id)
        if channel is None:
            raise UserError("challenge.channel_missing")

        async def post() -> Posted:
            try:
                return await publish(bot, view, channel)
            except discord.HTTPException:
                log.warning("challenge could not be posted in %s", channel.id, exc_info=True)
                raise UserError("challenge.post_failed", channel=channel.mention) from None

        async def store(session: AsyncSession, posted: Posted) -> None:
            await records.set_post(
                session, view.id, channel_id=posted.channel_id, message_id=posted.message_id, thread_id=posted.thread_id
            )

        async def undo(posted: Posted) -> None:
            await posted.undo()

        await post_then_store(bot.db, post, store, undo)
    except BaseException:
        # Neither stays: a challenge is never listed without its post.
        async with bot.db.session() as session:
            await records.discard(session, view.id)
        raise
    if draft.event_id is not None:
        bot.dispatch("hackathon_challenges_changed", draft.event_id)
    async with already_stored(interaction):
        await send_fits(interaction, view.id, locale, posted=True)


async def send_fits(interaction: discord.Interaction[Bot], challenge_id: int, locale: str, *, posted: bool) -> None:
    """The private skill-fit proposal, with an Invite button per member."""
    assert interaction.guild_id is not None
    bot = interaction.client
    async with bot.db.session() as session:
        index = await bot.matcher.index(session, interaction.guild_id)
        view, fits = await fit.suggest(session, index, interaction.guild_id, challenge_id, now=bot.clock())
    lines = []
    if posted:
        link = message_url(view) or ""
        lines.append(t(locale, "challenge.posted", id=view.id, title=safe(view.title), link=link))
    if not fits:
        lines.append(t(locale, "challenge.fit.none", id=view.id))
    content = "\n\n".join(lines) or None
    if fits:
        buttons = invite_view(view.id, fits, locale)
        assert buttons is not None
        await send_ephemeral(interaction, content, embed=fit_embed(locale, view, fits), view=buttons)
    else:
        await send_ephemeral(interaction, content)


async def change_team(interaction: discord.Interaction[Bot], challenge_id: int, *, join: bool) -> None:
    """Join or leave, from the command, the post's buttons or an invitation (in a DM too)."""
    bot = interaction.client
    locale = locale_of(interaction)
    change = records.join if join else records.leave
    async with bot.locks[lock_name(challenge_id)]:
        async with bot.db.session() as session:
            view = await change(session, challenge_id, interaction.user.id, guild_id=interaction.guild_id)
        key = "challenge.joined" if join else "challenge.left"
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, key, title=safe(view.title), link=message_url(view) or ""))
            await refresh_post(bot, view.id)
    if join:
        async with already_stored(interaction):
            await add_to_thread(bot, view, interaction.user.id)


# --- the post and its thread -------------------------------------------------------------------------


async def challenge_channel(bot: Bot, channel_id: int | None) -> Postable | None:
    channel = await fetch_channel(bot, channel_id)
    return channel if isinstance(channel, Postable) else None


@dataclass
class Posted:
    channel_id: int
    message_id: int
    thread_id: int
    undo: Callable[[], Awaitable[None]]


async def publish(bot: Bot, view: ChallengeView, channel: Postable) -> Posted:
    """Post a challenge with its thread; on any failure, whatever was posted is removed again.

    A post is a forum post in a forum channel, else a message with its own thread, in the
    server's language. It pings nobody.
    """
    locale = await server_locale(bot, view.guild_id)
    join = await join_command(bot, view.guild_id)
    buttons = post_view(view.id, locale, finished=False)
    assert buttons is not None
    name = view.title[:100]
    if isinstance(channel, discord.ForumChannel):
        created = await channel.create_thread(
            name=name,
            embed=post_embed(locale, view, join=join),
            view=buttons,
            allowed_mentions=NO_PINGS,
            auto_archive_duration=ARCHIVE_MINUTES,
        )
        thread, message = created.thread, created.message

        async def undo() -> None:
            await _quietly(thread.delete())
    else:
        message = await channel.send(embed=post_embed(locale, view, join=join), view=buttons, allowed_mentions=NO_PINGS)
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
            await message.edit(embed=post_embed(locale, placed, join=join), allowed_mentions=NO_PINGS)
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
        view = await records.view(session, challenge_id)
    if view.message_id is None or view.channel_id is None:
        return
    locale = await server_locale(bot, view.guild_id)
    join = await join_command(bot, view.guild_id)
    message = bot.get_partial_messageable(view.channel_id).get_partial_message(view.message_id)
    embed, buttons = post_embed(locale, view, join=join), post_view(view.id, locale, finished=view.finished)
    try:
        try:
            await message.edit(embed=embed, view=buttons, allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            if exc.code != THREAD_ARCHIVED or view.thread_id is None:
                raise
            await _unarchive(bot, view.thread_id)
            await message.edit(embed=embed, view=buttons, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("post of challenge %s could not be updated", challenge_id, exc_info=True)


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
    """A DM with a Join button, in the member's language; where DMs are closed, a mention in the thread.

    The mention pings exactly the invited member. Returns "dm", "thread", or None when the
    member could not be reached at all.
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
        command=await join_command(bot, view.guild_id),
    )
    try:
        await bot.get_partial_messageable(view.thread_id).send(
            content[:2000], view=join_view(view.id, locale), allowed_mentions=pings([user_id])
        )
    except discord.HTTPException:
        log.warning("could not invite %s in the thread of challenge %s", user_id, view.id, exc_info=True)
        return None
    return "thread"
