"""/intro and /match: joining introductions, suggestions, the weekly round's minute job and the listeners
that send what buttons announce (``intro_requested``, ``intro_connected``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.i18n import t
from bot.services import analyses, guilds, intros, profiles, rounds
from bot.ui import already_stored, locale_of, moderators_only, send_ephemeral
from cogs.introductions import notify
from cogs.introductions.buttons import IntroduceButton
from cogs.introductions.render import match_embed, status_text

if TYPE_CHECKING:
    from bot.app import Bot

WEEKDAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Each language named in itself: the choice reads the same to every moderator.
LANGUAGE_CHOICES = [app_commands.Choice(name="Nederlands", value="nl"), app_commands.Choice(name="English", value="en")]
TICK = IntervalTrigger(minutes=1)


class IntroductionsCog(commands.Cog, name="Introductions"):
    intro = app_commands.Group(
        name=_("intro"), description=_("Introductions to members whose offers meet your needs"), guild_only=True
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        # Every minute: due rounds (and a missed one after a restart), expiries, follow-ups.
        self.bot.schedule("introductions", self.tick, TICK)
        if self.bot.scheduler is not None:  # not when the bot only lists its commands
            # Analyses made by an older version are made again (by the job below).
            async with self.bot.db.session() as session:
                await analyses.forget_stale(session)
            self.bot.schedule("analyses", self.analyse, TICK)

    async def cog_unload(self) -> None:
        self.bot.unschedule("introductions")
        self.bot.unschedule("analyses")

    # --- member controls -------------------------------------------------------------------

    @intro.command(name=_("join"), description=_("Receive introductions (by DM) to members who fit you"))
    @app_commands.describe(chance=_("Also meet someone from another sector when nothing matches"))
    @app_commands.rename(chance=_("chance_meetings"))
    async def join(self, interaction: discord.Interaction[Bot], chance: bool = False) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            await intros.join(
                session,
                interaction.guild_id,
                interaction.user.id,
                chance=chance,
                name=interaction.user.display_name,
                locale=locale,
                now=self.bot.clock(),
            )
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, "intro.joined" if not chance else "intro.joined_chance"))

    @intro.command(name=_("leave"), description=_("Stop receiving introductions"))
    async def leave(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            await intros.leave(session, interaction.guild_id, interaction.user.id, locale=locale)
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, "intro.left"))

    # Checked by the service, not with app_commands.Range: out of range, the member gets our own message.
    @intro.command(name=_("pause"), description=_("Pause introductions for a few weeks"))
    @app_commands.describe(weeks=_("Number of weeks (1 to 12)"))
    async def pause(self, interaction: discord.Interaction[Bot], weeks: int) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            until = await intros.pause(
                session, interaction.guild_id, interaction.user.id, weeks, now=self.bot.clock(), locale=locale
            )
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, "intro.paused", until=f"<t:{int(until.timestamp())}:F>"))

    @intro.command(name=_("status"), description=_("Show whether and how you receive introductions"))
    async def status(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            await profiles.remember_locale(
                session, interaction.guild_id, interaction.user.id, locale, name=interaction.user.display_name
            )
            overview = await intros.overview(session, interaction.guild_id, interaction.user.id, now=self.bot.clock())
            settings = await guilds.get_settings(session, interaction.guild_id)
        next_round = None
        if settings.intro_channel_id is not None:
            nxt = rounds.next_round_at(settings, self.bot.clock(), self.bot.settings.timezone)
            next_round = int(nxt.timestamp())
        await send_ephemeral(interaction, status_text(locale, overview, next_round))

    @intro.command(name=_("setup"), description=_("Moderators: the introductions channel and the weekly round"))
    @app_commands.describe(
        channel=_("Channel for the weekly summary and private introduction threads"),
        day=_("Day of the weekly round"),
        time_=_("Time of the weekly round, e.g. 09:00 (server time zone)"),
        per_member=_("Proposals per member per round (1 to 3)"),
        language=_("Language of the bot's public posts in this server"),
    )
    @app_commands.rename(time_=_("time"))
    @app_commands.choices(day=[app_commands.Choice(name=_(label), value=i) for i, label in enumerate(WEEKDAY_LABELS)])
    @app_commands.choices(language=LANGUAGE_CHOICES)
    @moderators_only
    async def setup(
        self,
        interaction: discord.Interaction[Bot],
        channel: discord.TextChannel,
        day: app_commands.Choice[int] | None = None,
        time_: str | None = None,
        per_member: app_commands.Range[int, 1, 3] | None = None,
        language: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            settings = await guilds.configure_intros(
                session,
                interaction.guild_id,
                channel_id=channel.id,
                weekday=day.value if day else None,
                at=time_,
                per_member=per_member,
            )
            if language is not None:
                settings = await guilds.set_language(session, interaction.guild_id, language.value)
            nxt = rounds.next_round_at(settings, self.bot.clock(), self.bot.settings.timezone)
            posts_in = guilds.language(settings, self.bot.settings.default_locale)
        done = t(
            locale,
            "intro.setup.done",
            channel=channel.mention,
            day=t(locale, f"weekday.{settings.intro_weekday}"),
            time=f"{settings.intro_hour:02d}:{settings.intro_minute:02d}",
            per_member=settings.intro_per_member,
            next=f"<t:{int(nxt.timestamp())}:F>",
        )
        done += "\n" + t(locale, "intro.setup.language", language=t(locale, f"language.{posts_in}"))
        async with already_stored(interaction):
            await send_ephemeral(interaction, done)

    # --- /match ------------------------------------------------------------------------------

    @app_commands.command(
        name=_("match"), description=_("Members whose offers meet your needs, and the other way round")
    )
    @app_commands.guild_only()
    async def match(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        # Building the index of a large server can take a moment.
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.session() as session:
            await profiles.remember_locale(
                session, interaction.guild_id, interaction.user.id, locale, name=interaction.user.display_name
            )
            suggestions = await self.bot.matcher.suggest(
                session, interaction.guild_id, interaction.user.id, now=self.bot.clock(), locale=locale
            )
        if not suggestions:
            await interaction.followup.send(t(locale, "match.none"), ephemeral=True)
            return
        embed = match_embed(locale, suggestions, interaction.user.id, interaction.user.display_name)
        view = discord.ui.View(timeout=None)
        for number, suggestion in enumerate(suggestions, start=1):
            view.add_item(IntroduceButton(suggestion.user_id, t(locale, "match.button", number=number)))
        await interaction.followup.send(embed=embed, view=view, ephemeral=True)

    # --- what buttons announce, and the minute job ------------------------------------------------

    @commands.Cog.listener()
    async def on_intro_requested(self, guild_id: int) -> None:
        """A member asked for an introduction: its proposals go out now, not at the next tick."""
        await notify.deliver_pending(self.bot, guild_id)

    @commands.Cog.listener()
    async def on_intro_connected(self, intro_id: int) -> None:
        await notify.open_connection(self.bot, intro_id)

    async def tick(self) -> None:
        """Every minute: due rounds (and a missed one after a restart), expiries, follow-ups."""
        await notify.run_due_work(self.bot)

    async def analyse(self) -> None:
        """Every minute: analyse new offers and needs for matching, so a round need not."""
        await analyses.keep_current(self.bot.db)
