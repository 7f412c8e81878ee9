"""/challenge: moderators post societal challenges; members form teams; skill fit proposes who could help."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.errors import UserError
from bot.i18n import t
from bot.services import challenges, events, guilds, matchmaking
from bot.services.challenges import Draft
from bot.ui import is_moderator, locale_of, safe, send_ephemeral
from cogs.challenges import posting
from cogs.challenges.render import fit_embed, list_embed, message_url, status_label
from cogs.challenges.views import DescriptionModal, invite_view
from models import ChallengeStatus

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)

STATUS_LABELS = {
    ChallengeStatus.OPEN: "Open",
    ChallengeStatus.TEAM_FORMED: "Team formed",
    ChallengeStatus.IN_PROGRESS: "In progress",
    ChallengeStatus.DONE: "Done",
    ChallengeStatus.CLOSED: "Closed",
}
STATUS_CHOICES = [app_commands.Choice(name=_(label), value=status.value) for status, label in STATUS_LABELS.items()]
ID_TEXT = _("The challenge (its number, or type a part of the title)")


class ChallengesCog(commands.Cog, name="Challenges"):
    challenge = app_commands.Group(
        name=_("challenge"), description=_("Societal challenges and the teams that take them on"), guild_only=True
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        # Per challenge: a change and the post update that shows it happen one at a time.
        self._locks: dict[int, asyncio.Lock] = {}

    @property
    def matcher(self) -> matchmaking.Matchmaker:
        return self.bot.matcher

    def _lock(self, challenge_id: int) -> asyncio.Lock:
        return self._locks.setdefault(challenge_id, asyncio.Lock())

    # --- moderators ------------------------------------------------------------------------------

    @challenge.command(name=_("setup"), description=_("Moderators: the channel where challenges are posted"))
    @app_commands.describe(
        channel=_("A forum channel (each challenge a post) or a text channel (a message with a thread)")
    )
    @app_commands.rename(channel=_("channel"))
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(is_moderator)
    async def setup(
        self, interaction: discord.Interaction[Bot], channel: discord.TextChannel | discord.ForumChannel
    ) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        if not posting.can_post(channel):
            raise UserError("challenge.setup_no_permission", channel=channel.mention)
        async with self.bot.db.session() as session:
            await challenges.configure_channel(session, interaction.guild_id, channel.id)
        kind = "forum" if isinstance(channel, discord.ForumChannel) else "text"
        await send_ephemeral(interaction, t(locale, f"challenge.setup.done_{kind}", channel=channel.mention))

    @challenge.command(name=_("post"), description=_("Moderators: post a challenge; the description follows in a form"))
    @app_commands.describe(
        title=_("A short title (up to 100 characters)"),
        skills=_("Skills it needs, separated by commas, e.g. subsidies, data analysis, communication"),
        owner=_("The organisation that owns the challenge"),
        deadline=_("Deadline as a date, e.g. 2026-12-31 (server time zone)"),
        event=_("A hackathon where teams work on it"),
    )
    @app_commands.rename(
        title=_("title"), skills=_("skills"), owner=_("owner"), deadline=_("deadline"), event=_("event")
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(is_moderator)
    async def post(
        self,
        interaction: discord.Interaction[Bot],
        title: str,
        skills: str,
        owner: str | None = None,
        deadline: str | None = None,
        event: int | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            tz = guilds.zone(await guilds.get_settings(session, interaction.guild_id), self.bot.settings.timezone)
            draft = await challenges.prepare(
                session,
                interaction.guild_id,
                title=title,
                skills=skills,
                owner=owner,
                deadline=deadline,
                event_id=event,
                now=self.bot.clock(),
                tz=tz,
            )
        if await posting.challenge_channel(self.bot, draft.channel_id) is None:
            raise UserError("challenge.channel_missing")
        await interaction.response.send_modal(DescriptionModal(draft, locale))

    @post.autocomplete("event")
    async def event_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None or not is_moderator(interaction):
            return []
        async with self.bot.db.session() as session:
            found = await events.upcoming_hackathons(session, interaction.guild_id, self.bot.clock())
        needle = current.casefold()
        return [
            app_commands.Choice(name=f"{title} · {starts.date().isoformat()}"[:100], value=event_id)
            for event_id, title, starts in found
            if needle in title.casefold() or needle == str(event_id)
        ][:25]

    async def create(self, interaction: discord.Interaction, draft: Draft, description: str) -> None:
        """The description was submitted: store and post together, or neither."""
        locale = locale_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        posted: posting.Posted | None = None
        try:
            async with self.bot.db.session() as session:
                created = await challenges.create(
                    session, draft, description, created_by=interaction.user.id, now=self.bot.clock()
                )
                view = await challenges.view(session, created.id)
                channel = await posting.challenge_channel(self.bot, draft.channel_id)
                if channel is None:
                    raise UserError("challenge.channel_missing")
                try:
                    posted = await posting.publish(self.bot, view, channel)
                except discord.HTTPException:
                    log.warning("challenge could not be posted in %s", channel.id, exc_info=True)
                    raise UserError("challenge.post_failed", channel=channel.mention) from None
                await challenges.set_post(
                    session,
                    created.id,
                    channel_id=posted.channel_id,
                    message_id=posted.message_id,
                    thread_id=posted.thread_id,
                )
        except BaseException:
            if posted is not None:  # the row was not stored: the post must not stay either
                await posted.undo()
            raise
        await posting.refresh_event(self.bot, draft.event_id)
        await self.send_fits(interaction, created.id, locale, posted=True)

    @challenge.command(name=_("suggest"), description=_("Moderators: members whose offers fit a challenge's skills"))
    @app_commands.describe(id=ID_TEXT)
    @app_commands.rename(id=_("id"))
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(is_moderator)
    async def suggest(self, interaction: discord.Interaction[Bot], id: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.send_fits(interaction, id, locale_of(interaction), posted=False)

    async def send_fits(
        self, interaction: discord.Interaction, challenge_id: int, locale: str, *, posted: bool
    ) -> None:
        """The private skill-fit proposal, with an Invite button per member."""
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            index = await self.matcher.index(session, interaction.guild_id)
            view, fits = await challenges.suggest(
                session, index, interaction.guild_id, challenge_id, now=self.bot.clock()
            )
        lines = []
        if posted:
            link = message_url(view) or ""
            lines.append(t(locale, "challenge.posted", id=view.id, title=safe(view.title), link=link))
        if not fits:
            lines.append(t(locale, "challenge.fit.none", id=view.id))
        kwargs: dict[str, object] = {"content": "\n\n".join(lines) or None}
        if fits:
            kwargs["embed"] = fit_embed(locale, view, fits)
            kwargs["view"] = invite_view(view.id, fits, locale)
        await send_ephemeral(interaction, **kwargs)  # type: ignore[arg-type]

    async def invite(self, interaction: discord.Interaction, challenge_id: int, user_id: int) -> None:
        """An Invite button on a proposal: checked again now, then a DM, or a mention in the thread."""
        if interaction.guild_id is None or not is_moderator(interaction):
            raise UserError("errors.not_allowed")
        locale = locale_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self._lock(challenge_id), self.bot.db.session() as session:
            index = await self.matcher.index(session, interaction.guild_id)
            invitation = await challenges.invite(
                session, index, interaction.guild_id, challenge_id, user_id, now=self.bot.clock()
            )
            how = await posting.deliver_invitation(self.bot, invitation, by=interaction.user.display_name)
            if how is None:  # rolls the invitation back: it can be tried again
                raise UserError("challenge.invite_failed", name=invitation.name)
        await send_ephemeral(interaction, t(locale, f"challenge.invited_{how}", name=safe(invitation.name)))

    @challenge.command(name=_("status"), description=_("Moderators: move a challenge on, or close it"))
    @app_commands.describe(id=ID_TEXT, status=_("Open → team formed → in progress → done; or closed"))
    @app_commands.rename(id=_("id"), status=_("status"))
    @app_commands.choices(status=STATUS_CHOICES)
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(is_moderator)
    async def status(self, interaction: discord.Interaction[Bot], id: int, status: app_commands.Choice[str]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self._lock(id):
            async with self.bot.db.session() as session:
                old, view = await challenges.set_status(session, interaction.guild_id, id, status.value)
            await send_ephemeral(
                interaction,
                t(locale, "challenge.status_changed", title=safe(view.title), status=status_label(locale, view.status)),
            )
            public = self.bot.settings.default_locale
            await posting.announce(
                self.bot,
                view,
                t(
                    public,
                    f"challenge.thread.status_{'final' if view.finished else 'step'}",
                    old=status_label(public, old),
                    new=status_label(public, view.status),
                    by=interaction.user.mention,
                ),
            )
            await posting.refresh_post(self.bot, view.id)
        await posting.refresh_event(self.bot, view.event.id if view.event else None)

    # --- members ---------------------------------------------------------------------------------

    @challenge.command(name=_("join"), description=_("Join the team of a challenge"))
    @app_commands.describe(id=ID_TEXT)
    @app_commands.rename(id=_("id"))
    async def join(self, interaction: discord.Interaction[Bot], id: int) -> None:
        await self.change_team(interaction, id, join=True)

    @challenge.command(name=_("leave", key="challenge leave"), description=_("Leave the team of a challenge"))
    @app_commands.describe(id=ID_TEXT)
    @app_commands.rename(id=_("id"))
    async def leave(self, interaction: discord.Interaction[Bot], id: int) -> None:
        await self.change_team(interaction, id, join=False)

    async def change_team(self, interaction: discord.Interaction, challenge_id: int, *, join: bool) -> None:
        """Join or leave, from the command, the post's buttons or an invitation (in a DM too)."""
        locale = locale_of(interaction)
        change = challenges.join if join else challenges.leave
        async with self._lock(challenge_id):
            async with self.bot.db.session() as session:
                view = await change(session, challenge_id, interaction.user.id, guild_id=interaction.guild_id)
            key = "challenge.joined" if join else "challenge.left"
            await send_ephemeral(interaction, t(locale, key, title=safe(view.title), link=message_url(view) or ""))
            await posting.refresh_post(self.bot, view.id)
        if join:
            await posting.add_to_thread(self.bot, view, interaction.user.id)

    @challenge.command(name=_("list"), description=_("Challenges you could help with first, by your offers"))
    @app_commands.describe(
        status=_("Only challenges with this status"), skill=_("Only challenges that need this skill")
    )
    @app_commands.rename(status=_("status"), skill=_("skill"))
    @app_commands.choices(status=STATUS_CHOICES)
    async def list_(
        self,
        interaction: discord.Interaction[Bot],
        status: app_commands.Choice[str] | None = None,
        skill: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.session() as session:
            index = await self.matcher.index(session, interaction.guild_id)
            listed = await challenges.for_member(
                session,
                index,
                interaction.guild_id,
                interaction.user.id,
                status=status.value if status else None,
                skill=skill,
            )
        if not listed:
            await send_ephemeral(interaction, t(locale, "challenge.list.none"))
            return
        await send_ephemeral(interaction, embed=list_embed(locale, listed))

    @list_.autocomplete("skill")
    async def skill_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.session() as session:
            skills = await challenges.skill_choices(session, interaction.guild_id, current)
        return [app_commands.Choice(name=s[:100], value=s[:100]) for s in skills]

    # --- challenge ids ---------------------------------------------------------------------------

    async def _ids(
        self, interaction: discord.Interaction, current: str, *, moderators: bool
    ) -> list[app_commands.Choice[int]]:
        # For moderator commands the list is checked like the command itself.
        if interaction.guild_id is None or (moderators and not is_moderator(interaction)):
            return []
        async with self.bot.db.session() as session:
            found = await challenges.choices(session, interaction.guild_id, current, statuses=challenges.ACTIVE_VALUES)
        return [app_commands.Choice(name=name, value=challenge_id) for challenge_id, name in found]

    @suggest.autocomplete("id")
    async def suggest_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._ids(interaction, current, moderators=True)

    @status.autocomplete("id")
    async def status_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._ids(interaction, current, moderators=True)

    @join.autocomplete("id")
    async def join_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._ids(interaction, current, moderators=False)

    @leave.autocomplete("id")
    async def leave_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._ids(interaction, current, moderators=False)
