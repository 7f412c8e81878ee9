"""The bot: built by :func:`create_bot`, set up in ``setup_hook``, torn down in ``close``."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import discord
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.db import Database, ensure_sqlite_dir
from bot.errors import UserError
from bot.i18n import t
from bot.services.matchmaking import Matchmaker
from bot.translator import VerbinderTranslator
from bot.ui import locale_of, safe, send_ephemeral

log = logging.getLogger(__name__)

# Loaded in this order on every start; a feature is one entry here.
EXTENSIONS: tuple[str, ...] = (
    "cogs.profile",
    "cogs.offers_needs",
    "cogs.introductions",
    "cogs.synonyms",
    "cogs.events",
    "cogs.experts",
    "cogs.challenges",
    "cogs.privacy",
    "cogs.help",
    "cogs.find",
    "cogs.thanks",
    "cogs.value",
    "cogs.impact",
)

Clock = Callable[[], datetime]

# On close a running scheduled job gets this long to finish before it is cancelled.
JOB_GRACE_S = 4.0


class DrainingExecutor(AsyncIOExecutor):
    """APScheduler's asyncio executor, plus waiting for the jobs it is running (on close)."""

    async def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for running jobs; True when none is left running."""
        running = [f for f in self._pending_futures if not f.done()]
        if not running:
            return True
        _, left = await asyncio.wait(running, timeout=timeout)
        return not left


def utcnow() -> datetime:
    return datetime.now(UTC)


class VerbinderTree(app_commands.CommandTree["Bot"]):
    async def on_error(self, interaction: discord.Interaction[Bot], error: app_commands.AppCommandError) -> None:
        await self.client.report_error(interaction, error)


class Bot(commands.Bot):
    """The running bot and the resources its features share.

    Resources are made outside and passed in (see :func:`create_bot`); buttons and listeners reach
    them through a typed ``interaction.client``. A bot without a database only knows its commands:
    ``verbinder sync`` uses that to register them without migrating or scheduling anything.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        database: Database | None = None,
        matcher: Matchmaker | None = None,
        clock: Clock = utcnow,
        **options: Any,
    ) -> None:
        intents = discord.Intents.default()
        # Server Members (privileged): the bot hears who leaves, so a leaver is never proposed (README "Privacy").
        intents.members = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            # Nobody is pinged unless a message names them deliberately.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=VerbinderTree,
            **options,
        )
        self.settings = settings
        self.clock: Clock = clock
        self.matcher: Matchmaker = matcher or Matchmaker()
        self._db = database
        self.scheduler: AsyncIOScheduler | None = None
        self._executor = DrainingExecutor()
        # Named locks shared by features (e.g. one per event while its seats are counted).
        self.locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._command_ids: dict[int | None, dict[str, int]] = {}

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("this bot was built without a database (commands only)")
        return self._db

    @property
    def serving(self) -> bool:
        """True when the bot answers members and runs scheduled work, not only lists its commands."""
        return self._db is not None

    async def setup_hook(self) -> None:
        if self._db is not None:
            await self._db.upgrade()
            self.scheduler = AsyncIOScheduler(timezone=UTC, executors={"default": self._executor})
            self.scheduler.start()
        await self.tree.set_translator(VerbinderTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.serving and self.settings.dev_guild_id is not None:
            await self.sync_commands(self.settings.dev_guild_id)

    def schedule(self, job_id: str, func: Callable[[], Awaitable[object]], trigger: Any) -> None:
        """Register a feature's recurring job (one run at a time); nothing when the bot only lists commands."""
        if self.scheduler is not None:
            self.scheduler.add_job(func, trigger, id=job_id, replace_existing=True, coalesce=True, max_instances=1)

    def unschedule(self, job_id: str) -> None:
        if self.scheduler is not None and self.scheduler.get_job(job_id):
            self.scheduler.remove_job(job_id)

    async def sync_commands(self, guild_id: int | None = None) -> list[app_commands.AppCommand]:
        """Register the slash commands with Discord: in one guild (instant) or globally."""
        if guild_id is None:
            synced = await self.tree.sync()
        else:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        self._command_ids[guild_id] = {command.name: command.id for command in synced}
        return synced

    async def command_mention(self, guild_id: int | None, name: str) -> str:
        """A command as Discord shows it clickable and in the reader's own language (``</intro join:ID>``).

        ``name`` is the English qualified name. Falls back to ``/name`` while the command ids are unknown.
        """
        root = name.split()[0]
        for scope in (guild_id, None) if guild_id is not None else (None,):
            ids = self._command_ids.get(scope)
            if ids is None:
                try:
                    fetched = await self.tree.fetch_commands(guild=discord.Object(scope) if scope else None)
                except discord.HTTPException:
                    continue
                ids = {command.name: command.id for command in fetched}
                if ids:  # an empty answer (not synced yet) is asked again next time
                    self._command_ids[scope] = ids
            if root in ids:
                return f"</{name}:{ids[root]}>"
        return f"/{name}"

    async def close(self) -> None:
        # Scheduled work stops first, so no job runs against a closing connection or database:
        # no new runs, a running job gets JOB_GRACE_S to finish, then it is cancelled.
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()
            if not await self._executor.drain(JOB_GRACE_S):
                log.warning("a scheduled job was still running after %s s; cancelled", JOB_GRACE_S)
            self.scheduler.shutdown(wait=False)
        try:
            await super().close()
        finally:
            if self._db is not None:
                await self._db.dispose()

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


class ShardedBot(Bot, commands.AutoShardedBot):
    """The same bot over several gateway connections (shards), all in this one process.

    Discord requires shards from 2,500 servers on; set SHARD_COUNT=auto (Discord's recommended
    count) or a number. All shards run in the process that holds the serving lease.
    """


def create_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    database: Database | None = None,
    matcher: Matchmaker | None = None,
) -> Bot:
    """Build the serving bot without connecting: ``verbinder run``, the demo and the tests start here.

    The database is opened lazily and migrated to head when the bot starts (``setup_hook``).
    """
    if database is None:
        ensure_sqlite_dir(settings.database_url)
        database = Database(settings.database_url)
    cls: type[Bot] = Bot
    options: dict[str, Any] = {}
    if settings.shard_count is not None:
        cls = ShardedBot
        if settings.shard_count != "auto":
            options["shard_count"] = settings.shard_count
    return cls(
        settings,
        database=database,
        matcher=matcher or Matchmaker(settings.match_cache_mib),
        clock=clock or utcnow,
        **options,
    )
