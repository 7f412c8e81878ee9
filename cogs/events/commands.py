"""/event: create, list, edit, cancel and setup; the events' minute tick; and the refresh of an
announcement when another feature says what it shows has changed."""

from __future__ import annotations

import logging
from datetime import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import discord
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.errors import UserError
from bot.i18n import t
from bot.services import experts, guilds
from bot.services.events import notices, records, rsvps, rules
from bot.text import clean
from bot.ui import already_stored, is_moderator, locale_of, moderators_only, safe, send_ephemeral
from cogs.events import native, notify, render
from cogs.events.buttons import (
    DescriptionModal,
    EditDescriptionModal,
    apply_edit,
    audit,
    refresh_announcement,
)
from models import RsvpStatus

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)

TICK = IntervalTrigger(minutes=1)
KINDS = [
    app_commands.Choice(name=_("Hackathon"), value="hackathon"),
    app_commands.Choice(name=_("Ask-the-expert session"), value="expert_session"),
    app_commands.Choice(name=_("Meetup"), value="meetup"),
]
LANGUAGES = [
    app_commands.Choice(name=_("Dutch"), value="nl"),
    app_commands.Choice(name=_("English"), value="en"),
]
PLACE = discord.VoiceChannel | discord.StageChannel
Capacity = app_commands.Range[int, 1, rules.CAPACITY_MAX]
SlotMinutes = app_commands.Range[int, rules.SLOT_MINUTES.start, rules.SLOT_MINUTES.stop - 1]
REASON_MAX = 300


class EventsCog(commands.Cog, name="Events"):
    event = app_commands.Group(
        name=_("event"), description=_("Hackathons, ask-the-expert sessions and meetups"), guild_only=True
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        # Every minute: reminders, questions for the experts, the weekly agenda (each once).
        self.bot.schedule("events", self.run_due_work, TICK)

    async def cog_unload(self) -> None:
        self.bot.unschedule("events")

    async def run_due_work(self) -> None:
        """Idempotent: safe to call any time, as often as wanted; each notice is recorded once, sent from the outbox."""
        await self.bot.wait_until_ready()
        await notify.run_due_work(self.bot)

    @commands.Cog.listener()
    async def on_hackathon_challenges_changed(self, event_id: int) -> None:
        """The challenges feature linked or changed a challenge of this event: show it."""
        await refresh_announcement(self.bot, event_id)

    @commands.Cog.listener()
    async def on_member_left(self, guild_id: int, user_id: int) -> None:
        """A member left: the announcements that showed them (as an expert) show them no more."""
        async with self.bot.db.session() as session:
            shown_in = await records.upcoming_with_member(session, guild_id, user_id, self.bot.clock())
        for event_id in shown_in:
            await refresh_announcement(self.bot, event_id)

    @commands.Cog.listener()
    async def on_scheduled_event_user_add(self, native: discord.ScheduledEvent, user: discord.User) -> None:
        """ "Interested" on the native Discord event counts as Maybe (with its reminders by DM)."""
        await self._native_interest(native, user, interested=True)

    @commands.Cog.listener()
    async def on_scheduled_event_user_remove(self, native: discord.ScheduledEvent, user: discord.User) -> None:
        await self._native_interest(native, user, interested=False)

    async def _native_interest(self, native: discord.ScheduledEvent, user: discord.User, *, interested: bool) -> None:
        if user.bot:
            return
        try:
            async with self.bot.db.session() as session:
                event_id = await rsvps.native_interest(
                    session, native.guild_id, native.id, user.id, interested=interested, now=self.bot.clock()
                )
            if event_id is not None:
                await refresh_announcement(self.bot, event_id)
        except Exception:
            log.exception("interest of %s in native event %s was not counted", user.id, native.id)

    async def _zone(self, guild_id: int) -> ZoneInfo:
        async with self.bot.db.session() as session:
            return guilds.zone(await guilds.get_settings(session, guild_id), self.bot.settings.timezone)

    # --- moderators ------------------------------------------------------------------------------

    @event.command(name=_("create"), description=_("Moderators: create an event, then write its description"))
    @app_commands.describe(
        kind=_("What kind of event"),
        title=_("The title (up to 100 characters)"),
        start=_("Date and start time in the server's time zone, e.g. 2026-12-03 19:30"),
        duration=_("How long, e.g. 2h, 90m, 1h30 or 48h"),
        location=_("An address or a link (or choose a voice channel instead)"),
        channel=_("A voice or stage channel, instead of an address"),
        capacity=_("Maximum number of participants; more become a waitlist"),
        topics=_("Expert sessions: the topics, separated by commas"),
        slot_minutes=_("Expert sessions: members can book one slot of this many minutes"),
        expert=_("Expert sessions: an expert who takes part"),
    )
    @app_commands.choices(kind=KINDS)
    @moderators_only
    async def create(
        self,
        interaction: discord.Interaction[Bot],
        kind: app_commands.Choice[str],
        title: str,
        start: str,
        duration: str,
        location: str | None = None,
        channel: PLACE | None = None,
        capacity: Capacity | None = None,
        topics: str | None = None,
        slot_minutes: SlotMinutes | None = None,
        expert: discord.Member | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            settings = await guilds.get_settings(session, interaction.guild_id)
            if settings.events_channel_id is None:
                raise UserError("event.no_channel")
            draft = records.validate_draft(
                guild_id=interaction.guild_id,
                kind=kind.value,
                title=title,
                start=start,
                duration=duration,
                location=location,
                channel_id=channel.id if channel else None,
                capacity=capacity,
                topics=topics,
                slot_minutes=slot_minutes,
                created_by=interaction.user.id,
                expert_ids=[expert.id] if expert else [],
                tz=guilds.zone(settings, self.bot.settings.timezone),
                now=self.bot.clock(),
            )
            # Only members who registered as experts agreed to be invited (and get the questions).
            await experts.require_registered(session, interaction.guild_id, draft.expert_ids)
        # Nothing is created until the description is submitted.
        await interaction.response.send_modal(DescriptionModal(draft, locale_of(interaction)))

    @event.command(name=_("edit"), description=_("Moderators: change an event; only what you fill in changes"))
    @app_commands.describe(
        event=_("The event"),
        title=_("New title"),
        start=_("New date and start time, e.g. 2026-12-03 19:30"),
        duration=_("New duration, e.g. 2h"),
        location=_("New address or link"),
        channel=_("New voice or stage channel"),
        capacity=_("New maximum number of participants"),
        topics=_("New topics, separated by commas"),
        description=_("Also change the description (opens a form)"),
        expert=_("Expert sessions: add an expert who takes part"),
    )
    @moderators_only
    async def edit(
        self,
        interaction: discord.Interaction[Bot],
        event: int,
        title: str | None = None,
        start: str | None = None,
        duration: str | None = None,
        location: str | None = None,
        channel: PLACE | None = None,
        capacity: Capacity | None = None,
        topics: str | None = None,
        description: bool = False,
        expert: discord.Member | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        now = self.bot.clock()
        async with self.bot.db.session() as session:
            settings = await guilds.get_settings(session, interaction.guild_id)
            found = await records.get_event(session, interaction.guild_id, event)
            change = rsvps.validate_edit(
                found,
                title=title,
                start=start,
                duration=duration,
                location=location,
                channel_id=channel.id if channel else None,
                capacity=capacity,
                topics=topics,
                expert_ids=[expert.id] if expert else None,
                tz=guilds.zone(settings, self.bot.settings.timezone),
                now=now,
            )
            current = found.description
        if description:
            await interaction.response.send_modal(EditDescriptionModal(change, current, locale_of(interaction)))
            return
        if change.empty:
            raise UserError("event.edit_nothing")
        await apply_edit(interaction, change)

    @event.command(name=_("cancel"), description=_("Moderators: cancel an event and tell who said Going or Maybe"))
    @app_commands.describe(event=_("The event"), reason=_("Why (shown to members, optional)"))
    @moderators_only
    async def cancel(self, interaction: discord.Interaction[Bot], event: int, reason: str | None = None) -> None:
        """The row first (so nothing more is scheduled), then the native event, the announcement,
        and the members who said Going or Maybe (or wait for a place)."""
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        because = clean(reason)
        if len(because) > REASON_MAX:
            raise UserError("event.reason_too_long", max=REASON_MAX, length=len(because))
        await interaction.response.defer(ephemeral=True, thinking=True)
        statuses = (RsvpStatus.GOING.value, RsvpStatus.MAYBE.value, RsvpStatus.WAITLIST.value)
        async with self.bot.db.session() as session:
            found = await rsvps.cancel(session, interaction.guild_id, event, self.bot.clock())
            people = await records.recipients(session, found, statuses)
            session.expunge(found)
        async with already_stored(interaction):
            await native.cancel_native(
                self.bot, found.guild_id, found.native_event_id, reason=audit(interaction, "cancel")
            )
            await refresh_announcement(self.bot, event)
            told = await notify.tell_cancelled(self.bot, found, people, because)
            await send_ephemeral(
                interaction,
                t(locale, "event.cancelled", title=safe(found.title), told=told, count=len(people)),
            )

    @edit.autocomplete("event")
    @cancel.autocomplete("event")
    async def event_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[int]]:
        # Checked like the commands themselves.
        if interaction.guild_id is None or not is_moderator(interaction):
            return []
        tz = await self._zone(interaction.guild_id)
        async with self.bot.db.session() as session:
            found = await records.search_upcoming(session, interaction.guild_id, self.bot.clock(), current, tz)
        return [app_commands.Choice(name=label, value=event_id) for event_id, label in found]

    @event.command(name=_("setup"), description=_("Moderators: the events channel and the reminders"))
    @app_commands.describe(
        channel=_("Channel for announcements, reminders and the weekly agenda"),
        reminders=_("When to remind before an event, e.g. 7d,1d,1h (or none)"),
        language=_("The language of public posts (default: the bot's setting)"),
    )
    @app_commands.choices(language=LANGUAGES)
    @moderators_only
    async def setup(
        self,
        interaction: discord.Interaction[Bot],
        channel: discord.TextChannel,
        reminders: str | None = None,
        language: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        async with self.bot.db.session() as session:
            settings = await rsvps.configure(session, interaction.guild_id, channel_id=channel.id, reminders=reminders)
            if language is not None:
                settings = await guilds.set_language(session, interaction.guild_id, language.value)
            leads = rules.parse_reminders(settings.event_reminders)
            weekday, at = notices.agenda_time(settings)
            public = guilds.language(settings, self.bot.settings.default_locale)
        async with already_stored(interaction):
            await self._setup_done(interaction, channel, leads, weekday, at, public)

    async def _setup_done(
        self,
        interaction: discord.Interaction[Bot],
        channel: discord.TextChannel,
        leads: list[rules.Lead],
        weekday: int,
        at: time,
        public: str,
    ) -> None:
        locale = locale_of(interaction)
        lines = [
            t(
                locale,
                "event.setup.done",
                channel=channel.mention,
                reminders=rules.format_reminders(leads) or t(locale, "event.setup.no_reminders"),
                day=t(locale, f"weekday.{weekday}"),
                time=f"{at:%H:%M}",
            ),
            t(locale, "event.setup.language", language=t(locale, f"event.language.{public}")),
        ]
        await send_ephemeral(interaction, "\n".join(lines))

    # --- everyone ----------------------------------------------------------------------------------

    @event.command(name=_("list"), description=_("Upcoming events, with how many are going"))
    async def list_(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            found = await records.upcoming(session, interaction.guild_id, self.bot.clock())
            ids = [e.id for e in found]
            counts = await records.counts(session, ids)
            mine = await records.statuses_of(session, ids, interaction.user.id)
        if not found:
            await send_ephemeral(interaction, t(locale, "event.list.none"))
            return
        await send_ephemeral(interaction, embed=render.list_embed(locale, found, counts, mine))
