"""/challenge: moderators post societal challenges; members form teams; skill fit proposes who could help."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.errors import UserError
from bot.i18n import t
from bot.services import guilds
from bot.services.challenges import fit, records
from bot.services.challenges.rules import ACTIVE_VALUES
from bot.services.events import records as event_records
from bot.text import clean
from bot.ui import already_stored, clip, is_moderator, locale_of, moderators_only, safe, send_ephemeral
from cogs.challenges import notify
from cogs.challenges.buttons import (
    DescriptionModal,
    challenge_channel,
    change_team,
    lock_name,
    refresh_post,
    send_fits,
)
from cogs.challenges.render import list_embed, status_label
from models import ChallengeStatus

if TYPE_CHECKING:
    from bot.app import Bot

STATUS_LABELS = {
    ChallengeStatus.OPEN: "Open",
    ChallengeStatus.TEAM_FORMED: "Team formed",
    ChallengeStatus.IN_PROGRESS: "In progress",
    ChallengeStatus.DONE: "Done",
    ChallengeStatus.CLOSED: "Closed",
}
LANGUAGES = [
    app_commands.Choice(name=_("Dutch"), value="nl"),
    app_commands.Choice(name=_("English"), value="en"),
]
STATUS_CHOICES = [app_commands.Choice(name=_(label), value=status.value) for status, label in STATUS_LABELS.items()]
ID_TEXT = _("The challenge (its number, or type a part of the title)")


class ChallengesCog(commands.Cog, name="Challenges"):
    challenge = app_commands.Group(
        name=_("challenge"), description=_("Societal challenges and the teams that take them on"), guild_only=True
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_member_left(self, guild_id: int, user_id: int) -> None:
        """A member who left is no longer shown on the teams of the server's challenges."""
        async with self.bot.db.session() as session:
            on_teams = await records.with_member(session, guild_id, user_id)
        for challenge_id in on_teams:
            await refresh_post(self.bot, challenge_id)

    # --- moderators ------------------------------------------------------------------------------

    @challenge.command(name=_("setup"), description=_("Moderators: the channel where challenges are posted"))
    @app_commands.describe(
        channel=_("A forum channel (each challenge a post) or a text channel (a message with a thread)"),
        language=_("The language of public posts (default: the bot's setting)"),
    )
    @app_commands.choices(language=LANGUAGES)
    @moderators_only
    async def setup(
        self,
        interaction: discord.Interaction[Bot],
        channel: discord.TextChannel | discord.ForumChannel,
        language: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        if not notify.can_post(channel):
            raise UserError("challenge.setup_no_permission", channel=channel.mention)
        async with self.bot.db.session() as session:
            await records.configure_channel(session, interaction.guild_id, channel.id)
            if language is not None:
                await guilds.set_language(session, interaction.guild_id, language.value)
            public = guilds.language(
                await guilds.get_settings(session, interaction.guild_id), self.bot.settings.default_locale
            )
        kind = "forum" if isinstance(channel, discord.ForumChannel) else "text"
        lines = [
            t(locale, f"challenge.setup.done_{kind}", channel=channel.mention),
            t(locale, "challenge.setup.language", language=t(locale, f"challenge.language.{public}")),
        ]
        async with already_stored(interaction):
            await send_ephemeral(interaction, "\n".join(lines))

    @challenge.command(name=_("post"), description=_("Moderators: post a challenge; the description follows in a form"))
    @app_commands.describe(
        title=_("A short title (up to 100 characters)"),
        skills=_("Skills it needs, separated by commas, e.g. subsidies, data analysis, communication"),
        owner=_("The organisation that owns the challenge"),
        deadline=_("Deadline as a date, e.g. 2026-12-31 (server time zone)"),
        event=_("A hackathon where teams work on it"),
    )
    @moderators_only
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
            draft = await records.prepare(
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
        if await challenge_channel(self.bot, draft.channel_id) is None:
            raise UserError("challenge.channel_missing")
        # The form posts the challenge when it is submitted (see buttons.DescriptionModal).
        await interaction.response.send_modal(DescriptionModal(draft, locale))

    @post.autocomplete("event")
    async def event_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None or not is_moderator(interaction):
            return []
        async with self.bot.db.session() as session:
            found = await event_records.upcoming_hackathons(session, interaction.guild_id, self.bot.clock())
        needle = current.casefold()
        return [
            app_commands.Choice(name=f"{title} · {starts.date().isoformat()}"[:100], value=event_id)
            for event_id, title, starts in found
            if needle in title.casefold() or needle == str(event_id)
        ][:25]

    @challenge.command(name=_("suggest"), description=_("Moderators: members whose offers fit a challenge's skills"))
    @app_commands.describe(id=ID_TEXT)
    @moderators_only
    async def suggest(self, interaction: discord.Interaction[Bot], id: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await send_fits(interaction, id, locale_of(interaction), posted=False)

    @challenge.command(name=_("status"), description=_("Moderators: move a challenge on, or close it"))
    @app_commands.describe(id=ID_TEXT, status=_("Open → team formed → in progress → done; or closed"))
    @app_commands.choices(status=STATUS_CHOICES)
    @moderators_only
    async def status(self, interaction: discord.Interaction[Bot], id: int, status: app_commands.Choice[str]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.locks[lock_name(id)]:
            async with self.bot.db.session() as session:
                old, view = await records.set_status(session, interaction.guild_id, id, status.value)
            async with already_stored(interaction):
                await send_ephemeral(
                    interaction,
                    t(
                        locale,
                        "challenge.status_changed",
                        title=safe(view.title),
                        status=status_label(locale, view.status),
                    ),
                )
                await notify.status_changed(self.bot, view, old, by=interaction.user.mention)
        if view.event is not None:
            self.bot.dispatch("hackathon_challenges_changed", view.event.id)

    # --- members ---------------------------------------------------------------------------------

    @challenge.command(name=_("join"), description=_("Join the team of a challenge"))
    @app_commands.describe(id=ID_TEXT)
    async def join(self, interaction: discord.Interaction[Bot], id: int) -> None:
        await change_team(interaction, id, join=True)

    @challenge.command(name=_("leave", key="challenge leave"), description=_("Leave the team of a challenge"))
    @app_commands.describe(id=ID_TEXT)
    async def leave(self, interaction: discord.Interaction[Bot], id: int) -> None:
        await change_team(interaction, id, join=False)

    @challenge.command(name=_("list"), description=_("Challenges you could help with first, by your offers"))
    @app_commands.describe(
        status=_("Only challenges with this status"), skill=_("Only challenges that need this skill")
    )
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
            index = await self.bot.matcher.index(session, interaction.guild_id)
            listed = await fit.for_member(
                session,
                index,
                interaction.guild_id,
                interaction.user.id,
                status=status.value if status else None,
                skill=skill,
            )
            unfinished = await fit.unfinished_count(session, interaction.guild_id) if not listed else 0
        if not listed:
            # Say whether the filters left nothing, or there is nothing at all.
            asked = safe(clip(clean(skill), 60)) if skill and skill.strip() else None
            if status is not None and asked is None:
                asked = status_label(locale, status.value)
            if unfinished and asked:
                reply = t(locale, "challenge.list.none_fit", asked=asked, count=unfinished)
            else:
                reply = t(
                    locale,
                    "challenge.list.none",
                    command=await self.bot.command_mention(interaction.guild_id, "challenge post"),
                )
            await send_ephemeral(interaction, reply)
            return
        await send_ephemeral(interaction, embed=list_embed(locale, listed))

    @list_.autocomplete("skill")
    async def skill_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.session() as session:
            skills = await fit.skill_choices(session, interaction.guild_id, current)
        return [app_commands.Choice(name=s[:100], value=s[:100]) for s in skills]

    # --- challenge ids ---------------------------------------------------------------------------

    async def _ids(
        self, interaction: discord.Interaction[Bot], current: str, *, moderators: bool
    ) -> list[app_commands.Choice[int]]:
        # For moderator commands the list is checked like the command itself.
        if interaction.guild_id is None or (moderators and not is_moderator(interaction)):
            return []
        async with self.bot.db.session() as session:
            found = await records.choices(session, interaction.guild_id, current, statuses=ACTIVE_VALUES)
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
