"""/expert register, list, remove and /ask: expertise on offer and questions for a session."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.i18n import t
from bot.services import experts, guilds, profiles
from bot.services.events import records, rules
from bot.ui import already_stored, locale_of, safe, send_ephemeral
from cogs.events.buttons import save_question
from models import EventKind

if TYPE_CHECKING:
    from bot.app import Bot


LIST_MAX = 1000
DESCRIPTION_LIMIT = 4096


def list_embed(locale: str, title: str, found: list[experts.ExpertFit]) -> discord.Embed:
    """One line per expert, best fit first; what does not fit in one embed ends in "and N more"."""
    lines: list[str] = []
    for index, fit in enumerate(found):
        line = f"• <@{fit.user_id}> ({safe(fit.name)}): {safe(', '.join(fit.topics))}"[:1000]
        more = t(locale, "expert.list_more", count=len(found) - index - 1)
        if sum(len(x) + 1 for x in lines) + len(line) + 1 + len(more) > DESCRIPTION_LIMIT:
            lines.append(t(locale, "expert.list_more", count=len(found) - index))
            break
        lines.append(line)
    return discord.Embed(title=title[:256], description="\n".join(lines))


class ExpertsCog(commands.Cog, name="Experts"):
    expert = app_commands.Group(
        name=_("expert"), description=_("Ask-the-expert: offer your expertise or find an expert"), guild_only=True
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @expert.command(name=_("register"), description=_("Offer your expertise on topics, for ask-the-expert sessions"))
    @app_commands.describe(topics=_("Your topics, separated by commas, e.g. subsidies, circular economy"))
    async def register(self, interaction: discord.Interaction[Bot], topics: str) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            stored = await experts.register(
                session,
                interaction.guild_id,
                interaction.user.id,
                topics,
                name=interaction.user.display_name,
                locale=locale,
            )
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, "expert.registered", topics=safe(", ".join(stored))))

    @register.autocomplete("topics")
    async def topics_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Completes the last topic with words the community already uses for offers and needs."""
        assert interaction.guild_id is not None
        done, _sep, last = current.rpartition(",")
        prefix = f"{done.strip()}, " if done.strip() else ""
        async with self.bot.db.session() as session:
            terms = await profiles.community_terms(session, interaction.guild_id, last.strip())
        choices = [f"{prefix}{term}" for term in terms if len(prefix) + len(term) <= 100]
        return [app_commands.Choice(name=c, value=c) for c in choices][:25]

    @expert.command(name=_("list"), description=_("Members who offer expertise, optionally on one topic"))
    @app_commands.describe(topic=_("Only experts on this topic"))
    async def list_(self, interaction: discord.Interaction[Bot], topic: str | None = None) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        wanted = [topic.strip()] if topic and topic.strip() else []
        async with self.bot.db.session() as session:
            found = await experts.fitting(session, interaction.guild_id, wanted, limit=LIST_MAX)
        if not found:
            key = "expert.none_fit" if wanted else "expert.none"
            await send_ephemeral(interaction, t(locale, key, topic=safe(wanted[0]) if wanted else ""))
            return
        title = t(locale, "expert.list_topic", topic=safe(wanted[0])) if wanted else t(locale, "expert.list_title")
        await send_ephemeral(interaction, embed=list_embed(locale, title, found))

    @expert.command(name=_("remove"), description=_("Stop offering your expertise"))
    async def remove(self, interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with self.bot.db.session() as session:
            await experts.unregister(session, interaction.guild_id, interaction.user.id)
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, "expert.removed"))

    @app_commands.command(name=_("ask"), description=_("Ask the experts of a session a question beforehand"))
    @app_commands.describe(event=_("The ask-the-expert session"), question=_("Your question (up to 500 characters)"))
    @app_commands.guild_only()
    async def ask(self, interaction: discord.Interaction[Bot], event: int, question: str) -> None:
        await save_question(interaction, event, question)

    @ask.autocomplete("event")
    async def ask_autocomplete(
        self, interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[int]]:
        assert interaction.guild_id is not None
        now = self.bot.clock()
        async with self.bot.db.session() as session:
            tz = guilds.zone(await guilds.get_settings(session, interaction.guild_id), self.bot.settings.timezone)
            found = await records.search_upcoming(
                session,
                interaction.guild_id,
                now + rules.QUESTIONS_LEAD,
                current,
                tz,
                kind=EventKind.EXPERT_SESSION.value,
            )
        return [app_commands.Choice(name=label, value=event_id) for event_id, label in found]
