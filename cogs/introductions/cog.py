"""/intro and /match: joining introductions, suggestions, answers, and the weekly round."""

from __future__ import annotations

import logging
from datetime import time
from typing import TYPE_CHECKING

import discord
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.errors import UserError
from bot.i18n import t
from bot.messaging import text_channel
from bot.services import guilds, intros, rounds
from bot.services.schedule import due_round
from bot.ui import is_moderator, locale_of, safe, send_ephemeral
from cogs.introductions import delivery
from cogs.introductions.render import reasons_text, who_line
from cogs.introductions.views import IntroduceButton, OutcomeModal
from models import Met

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)

WEEKDAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TICK = IntervalTrigger(minutes=1)


class IntroductionsCog(commands.Cog, name="Introductions"):
    intro = app_commands.Group(
        name=_("intro"), description=_("Introductions to members whose offers meet your needs"), guild_only=True
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.matcher = bot.matcher

    async def cog_load(self) -> None:
        if self.bot.scheduler is not None:
            # Every minute: due rounds (and a missed one after a restart), expiries, follow-ups.
            self.bot.scheduler.add_job(
                self.run_due_work, TICK, id="introductions", replace_existing=True, coalesce=True, max_instances=1
            )

    async def cog_unload(self) -> None:
        if self.bot.scheduler is not None and self.bot.scheduler.get_job("introductions"):
            self.bot.scheduler.remove_job("introductions")

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
            )
        await send_ephemeral(interaction, t(locale, "intro.joined" if not chance else "intro.joined_chance"))

    @intro.command(name=_("leave"), description=_("Stop receiving introductions"))
    async def leave(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            await intros.leave(session, interaction.guild_id, interaction.user.id, locale=locale)
        await send_ephemeral(interaction, t(locale, "intro.left"))

    @intro.command(name=_("pause"), description=_("Pause introductions for a few weeks"))
    @app_commands.describe(weeks=_("Number of weeks (1 to 12)"))
    @app_commands.rename(weeks=_("weeks"))
    async def pause(self, interaction: discord.Interaction[Bot], weeks: int) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            until = await intros.pause(
                session, interaction.guild_id, interaction.user.id, weeks, now=self.bot.clock(), locale=locale
            )
        await send_ephemeral(interaction, t(locale, "intro.paused", until=f"<t:{int(until.timestamp())}:F>"))

    @intro.command(name=_("status"), description=_("Show whether and how you receive introductions"))
    async def status(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            overview = await intros.overview(session, interaction.guild_id, interaction.user.id, now=self.bot.clock())
            settings = await guilds.get_settings(session, interaction.guild_id)
        if not overview.joined:
            state = t(locale, "intro.status.not_joined")
        elif overview.paused_until is not None:
            state = t(locale, "intro.status.paused", until=f"<t:{int(overview.paused_until.timestamp())}:F>")
        else:
            state = t(locale, "intro.status.active")
        lines = [state]
        if overview.joined:
            lines.append(t(locale, "intro.status.chance_on" if overview.chance else "intro.status.chance_off"))
        lines.append(t(locale, "intro.status.counts", pending=overview.pending, connected=overview.connected))
        if settings.intro_channel_id is not None:
            nxt = rounds.next_round_at(settings, self.bot.clock(), self.bot.settings.timezone)
            lines.append(t(locale, "intro.status.next_round", when=f"<t:{int(nxt.timestamp())}:F>"))
        await send_ephemeral(interaction, "\n".join(lines))

    @intro.command(name=_("setup"), description=_("Moderators: the introductions channel and the weekly round"))
    @app_commands.describe(
        channel=_("Channel for the weekly summary and private introduction threads"),
        day=_("Day of the weekly round"),
        time_=_("Time of the weekly round, e.g. 09:00 (server time zone)"),
        per_member=_("Proposals per member per round (1 to 3)"),
    )
    @app_commands.rename(channel=_("channel"), day=_("day"), time_=_("time"), per_member=_("per_member"))
    @app_commands.choices(day=[app_commands.Choice(name=_(label), value=i) for i, label in enumerate(WEEKDAY_LABELS)])
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(is_moderator)
    async def setup(
        self,
        interaction: discord.Interaction[Bot],
        channel: discord.TextChannel,
        day: app_commands.Choice[int] | None = None,
        time_: str | None = None,
        per_member: int | None = None,
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
            nxt = rounds.next_round_at(settings, self.bot.clock(), self.bot.settings.timezone)
        await send_ephemeral(
            interaction,
            t(
                locale,
                "intro.setup.done",
                channel=channel.mention,
                day=t(locale, f"weekday.{settings.intro_weekday}"),
                time=f"{settings.intro_hour:02d}:{settings.intro_minute:02d}",
                per_member=settings.intro_per_member,
                next=f"<t:{int(nxt.timestamp())}:F>",
            ),
        )

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
            suggestions = await self.matcher.suggest(
                session, interaction.guild_id, interaction.user.id, now=self.bot.clock(), locale=locale
            )
        if not suggestions:
            await interaction.followup.send(t(locale, "match.none"), ephemeral=True)
            return
        embed = discord.Embed(title=t(locale, "match.title"), description=t(locale, "match.intro"))
        view = discord.ui.View(timeout=None)
        for number, suggestion in enumerate(suggestions, start=1):
            names = {suggestion.user_id: suggestion.name, interaction.user.id: interaction.user.display_name}
            embed.add_field(
                name=f"{number}. {safe(suggestion.name)}"[:256],
                value=(
                    who_line(locale, suggestion.name, suggestion.sector, suggestion.organisation)
                    + f" · {suggestion.score:.0f}/100\n"
                    + reasons_text(locale, suggestion.reasons, interaction.user.id, names)
                )[:1024],
                inline=False,
            )
            view.add_item(IntroduceButton(suggestion.user_id, t(locale, "match.button", number=number)))
        await interaction.followup.send(embed=embed, view=view, ephemeral=True)

    # --- answers from buttons ------------------------------------------------------------------

    async def introduce(self, interaction: discord.Interaction, user_id: int) -> None:
        """The "Introduce us" button of a /match suggestion."""
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        now = self.bot.clock()
        async with self.bot.db.session() as session:
            settings = await guilds.get_settings(session, interaction.guild_id)
            if settings.intro_channel_id is None:
                raise UserError("intro.no_channel")
            suggestion = await self.matcher.pair(session, interaction.guild_id, interaction.user.id, user_id)
            await intros.propose(
                session,
                interaction.guild_id,
                interaction.user.id,
                user_id,
                score=suggestion.score if suggestion else 0.0,
                reasons=suggestion.reasons if suggestion else [],
                now=now,
                history=rounds.history(settings),
                requested_by=interaction.user.id,
            )
        await send_ephemeral(interaction, t(locale, "match.requested"))
        await delivery.deliver_pending(self.bot, interaction.guild_id)

    async def answer(self, interaction: discord.Interaction, intro_id: int, *, accept: bool) -> None:
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            result = await intros.answer(
                session, intro_id, interaction.user.id, accept=accept, now=self.bot.clock(), locale=locale
            )
            other = intros.other_party(result.intro, interaction.user.id).member.name
        # The reply replaces the buttons on the proposal: one answer per member.
        await interaction.response.edit_message(
            content=t(locale, f"intro.answer.{result.outcome}", other=safe(other)),
            embed=None,
            view=None,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        if result.outcome == "connected":
            await delivery.open_connection(self.bot, result.intro)

    async def met(self, interaction: discord.Interaction, intro_id: int, met: Met) -> None:
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            await intros.record_met(session, intro_id, interaction.user.id, met)
        if met is Met.YES:
            await interaction.response.send_modal(OutcomeModal(intro_id, locale))
            return
        thanks = t(locale, f"intro.met.thanks_{met.value}")
        if interaction.guild_id is None:
            await interaction.response.edit_message(content=thanks, view=None)
        else:
            # In the shared thread the other member must not read this answer.
            await send_ephemeral(interaction, thanks)

    async def save_outcome(self, interaction: discord.Interaction, intro_id: int, text: str) -> None:
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            await intros.record_outcome(session, intro_id, interaction.user.id, text)
        await send_ephemeral(interaction, t(locale, "intro.outcome.saved"))

    # --- scheduled work --------------------------------------------------------------------------

    async def run_due_work(self) -> None:
        """Idempotent: safe to call any time, as often as wanted; each round and message happens once."""
        await self.bot.wait_until_ready()
        now = self.bot.clock()
        async with self.bot.db.session() as session:
            servers = await guilds.servers_with_intro_channel(session)
        for settings in servers:
            try:
                await self.run_round_if_due(settings.guild_id)
            except Exception:
                log.exception("weekly round of guild %s failed", settings.guild_id)
        async with self.bot.db.session() as session:
            await intros.expire_due(session, now)
        await delivery.send_followups(self.bot)

    async def run_round_if_due(self, guild_id: int) -> rounds.RoundResult | None:
        now = self.bot.clock()
        async with self.bot.db.session() as session:
            settings = await guilds.get_settings(session, guild_id)
            tz = guilds.zone(settings, self.bot.settings.timezone)
            due = due_round(now, settings.intro_weekday, time(settings.intro_hour, settings.intro_minute), tz)
            result = None
            if due is not None:
                # Recorded (with every proposal) in one transaction, before anything is sent.
                result = await rounds.record_round(session, self.matcher, settings, week=due[0], due_at=due[1], now=now)
        # Also finishes a round that a crash interrupted: unsent proposals, missing summary.
        await delivery.deliver_pending(self.bot, guild_id)
        await self.post_summaries(guild_id)
        return result

    async def post_summaries(self, guild_id: int) -> None:
        async with self.bot.db.session() as session:
            settings = await guilds.get_settings(session, guild_id)
            claimed = await rounds.claim_summaries(session, guild_id, self.bot.clock())
        channel = await text_channel(self.bot, settings.intro_channel_id)
        if channel is None:
            return
        locale = self.bot.settings.default_locale
        for summary in claimed:
            try:
                message = await channel.send(
                    t(locale, "round.summary", pairs=summary.pairs, chance=summary.chance, members=summary.members),
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            except discord.HTTPException:
                log.exception("summary of round %s could not be posted", summary.round_id)
                continue
            async with self.bot.db.session() as session:
                await rounds.set_summary_message(session, summary.round_id, message.id)
