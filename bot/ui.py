"""Helpers the cogs share to answer an interaction once, in the member's language, within Discord's limits."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

import discord
from discord import app_commands

from bot.errors import UserError
from bot.i18n import normalize_locale, t

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()

# Discord's limits for what a message may carry (characters).
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
EMBED_MAX = 6000  # all embeds of one message together


def locale_of(interaction: discord.Interaction) -> str:
    """Dutch for Dutch clients, English for everyone else."""
    return normalize_locale(interaction.locale)


# A URL scheme ("https://", "discord://"): Discord turns what follows into a live link.
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(//)")
# Masked links "[text](url)" start here ("<https://…>" is covered by breaking the scheme).
_LINK_SYNTAX = re.compile(r"([\[\]])")
# A zero-width space: invisible, but no link starts across it.
_BREAK = "\u200b"


def safe(text: str | None) -> str:
    """Member text made inert wherever the bot shows it to others.

    No @everyone, @here, role or member mention survives; masked links (``[text](url)``),
    raw URLs and ``<https://…>`` show as the text the member typed, not as live links.
    """
    escaped = discord.utils.escape_mentions(text or "")
    escaped = _LINK_SYNTAX.sub(r"\\\1", escaped)
    return _SCHEME.sub(rf"\1:{_BREAK}\2", escaped)


async def send_ephemeral(interaction: discord.Interaction, content: str | None = None, **kwargs: Any) -> None:
    """Reply privately, whether or not the interaction was deferred already."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if content is not None:
        kwargs["content"] = content
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=True, **kwargs)


# --- staying within Discord's limits ------------------------------------------------------------


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with "…" where it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…" if limit > 0 else ""


def more_line(locale: str) -> Callable[[int], str]:
    """The last line of a list that does not fit: "… and 3 more"."""
    return lambda count: t(locale, "list.more", count=count)


def _chunks(lines: Sequence[str], per_chunk: int) -> list[str]:
    chunks: list[list[str]] = []
    size = 0
    for line in lines:
        if chunks and size + 1 + len(line) <= per_chunk:
            chunks[-1].append(line)
            size += 1 + len(line)
        else:
            chunks.append([line])
            size = len(line)
    return ["\n".join(chunk) for chunk in chunks]


def pack_lines(
    lines: Sequence[str],
    *,
    budget: int,
    more: Callable[[int], str],
    per_chunk: int = FIELD_VALUE_MAX,
    chunk_cost: int = 0,
) -> list[str]:
    """As many ``lines`` as fit, in order, joined into chunks (e.g. embed field values).

    Each chunk has at most ``per_chunk`` characters; all chunks together at most ``budget``, counting
    ``chunk_cost`` for every chunk after the first (e.g. the name of a continuation field). When not
    every line fits, the last line says how many were left out (``more(count)``).
    """
    if budget <= 0:
        return []
    clipped = [clip(line, per_chunk) for line in lines]
    # No more lines than their bare lengths allow; from there down until the packing fits.
    shown, used = 0, 0
    for line in clipped:
        used += len(line) + (1 if shown else 0)
        if used > budget:
            break
        shown += 1
    for count in range(shown, -1, -1):
        left_out = len(clipped) - count
        candidate = clipped[:count] + ([clip(more(left_out), per_chunk)] if left_out else [])
        chunks = _chunks(candidate, per_chunk)
        if sum(map(len, chunks)) + chunk_cost * (len(chunks) - 1) <= budget:
            return chunks
    return [clip(more(len(clipped)), min(budget, per_chunk))]


def fit_lines(lines: Sequence[str], limit: int, *, more: Callable[[int], str]) -> str:
    """``lines`` joined into one text of at most ``limit`` characters, ending in "… and N more" if cut."""
    return "\n".join(pack_lines(lines, budget=limit, more=more, per_chunk=limit))


# --- errors of buttons and forms, and errors after something was stored ----------------------------


@runtime_checkable
class ErrorReporter(Protocol):
    """What ``bot.app.Bot`` offers: the one funnel that turns an error into a private reply."""

    async def report_error(self, interaction: discord.Interaction[Any], error: Exception) -> None: ...


Owner = TypeVar("Owner")
Result = TypeVar("Result")


def reports_errors(
    func: Callable[[Owner, discord.Interaction[Any]], Coroutine[Any, Any, Result]],
) -> Callable[[Owner, discord.Interaction[Any]], Coroutine[Any, Any, Result | None]]:
    """For button and modal callbacks: member errors become a reply, like command errors do.

    Unexpected errors are reported with a reference and then re-raised, so they are logged.
    The callback may declare its interaction as ``discord.Interaction[Bot]``: every interaction
    the bot receives carries the bot as its client.
    """

    @functools.wraps(func)
    async def wrapper(self: Owner, interaction: discord.Interaction[Any]) -> Result | None:
        try:
            return await func(self, interaction)
        except Exception as exc:
            client = interaction.client
            assert isinstance(client, ErrorReporter)
            await client.report_error(interaction, exc)
            if not isinstance(exc, UserError):
                raise
            return None

    return wrapper


@contextlib.asynccontextmanager
async def already_stored(interaction: discord.Interaction[Any]) -> AsyncIterator[None]:
    """Wrap what follows a stored change (the reply, notifications).

    Should it fail, the member is told that the change was saved, never that nothing changed;
    the error is logged with the reference shown to the member.
    """
    try:
        yield
    except Exception:
        ref = secrets.token_hex(3)
        log.exception("error after storing [ref %s]", ref)
        with contextlib.suppress(discord.HTTPException):
            await send_ephemeral(interaction, t(locale_of(interaction), "errors.after_store", ref=ref))


def is_moderator(interaction: discord.Interaction[Any]) -> bool:
    """Checked when the command runs, whatever a server admin set in the integration settings."""
    permissions = interaction.permissions
    return permissions.manage_guild or permissions.administrator


Command = TypeVar("Command")


def moderators_only(command: Command) -> Command:
    """A moderator command: offered to members with Manage Server by default, and checked again
    (:func:`is_moderator`) when it runs."""
    return app_commands.default_permissions(manage_guild=True)(app_commands.check(is_moderator)(command))
