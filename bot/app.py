"""The bot: built by :func:`create_bot`, set up in ``setup_hook``, torn down in ``close``."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.db import Database, ensure_sqlite_dir
from bot.errors import UserError
from bot.i18n import t
from bot.translator import VerbinderTranslator
from bot.ui import locale_of, safe, send_ephemeral

log = logging.getLogger(__name__)

# Loaded in this order on every start; a feature is one entry here.
EXTENSIONS: tuple[str, ...] = (
    "cogs.profile",
    "cogs.items",
    "cogs.introductions",
    "cogs.synonyms",
    "cogs.events",
    "cogs.challenges",
)

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class VerbinderTree(app_commands.CommandTree["Bot"]):
    async def on_error(self, interaction: discord.Interaction[Bot], error: app_commands.AppCommandError) -> None:
        await self.client.report_error(interaction, error)


class Bot(commands.Bot):
    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents.default(),
            # Nobody is pinged unless a message names them deliberately.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=VerbinderTree,
        )
        self.settings = settings
        self.clock: Clock = clock or _utcnow
        self._db: Database | None = None
        self.scheduler: AsyncIOScheduler | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the database is opened in setup_hook")
        return self._db

    async def setup_hook(self) -> None:
        ensure_sqlite_dir(self.settings.database_url)
        self._db = Database(self.settings.database_url)
        await self._db.upgrade()
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.scheduler.start()
        await self.tree.set_translator(VerbinderTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.settings.dev_guild_id is not None:
            await self.sync_commands(self.settings.dev_guild_id)

    async def sync_commands(self, guild_id: int | None = None) -> list[app_commands.AppCommand]:
        """Register the slash commands with Discord: in one guild (instant) or globally."""
        if guild_id is None:
            return await self.tree.sync()
        guild = discord.Object(id=guild_id)
        self.tree.copy_global_to(guild=guild)
        return await self.tree.sync(guild=guild)

    async def close(self) -> None:
        # Scheduled work stops first, so no job runs against a closing connection or database.
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        try:
            await super().close()
        finally:
            if self._db is not None:
                await self._db.dispose()
                self._db = None

    async def report_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """The one place errors of commands, buttons and modals become a reply."""
        original = getattr(error, "original", error)
        locale = locale_of(interaction)
        if isinstance(original, UserError):
            # Parameters often echo what the member typed: make them inert before they are shown.
            params = {k: safe(v) if isinstance(v, str) else v for k, v in original.params.items()}
            message = t(locale, original.key, **params)
        elif isinstance(original, app_commands.CheckFailure):
            message = t(locale, "errors.not_allowed")
        elif isinstance(original, app_commands.TransformerError):
            message = t(locale, "errors.bad_value", value=safe(str(original.value))[:100])
        else:
            ref = secrets.token_hex(3)
            command = interaction.command.qualified_name if interaction.command else interaction.type.name
            log.error("unexpected error [ref %s] in %s", ref, command, exc_info=original)
            message = t(locale, "errors.unexpected", ref=ref)
        if interaction.type is discord.InteractionType.autocomplete:
            return
        try:
            await send_ephemeral(interaction, message)
        except discord.HTTPException:
            log.warning("could not tell the member about an error", exc_info=True)


def create_bot(settings: Settings, *, clock: Clock | None = None) -> Bot:
    """Build the bot without connecting: the CLI, the demo and the tests all start here."""
    return Bot(settings, clock=clock)
