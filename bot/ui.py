"""Helpers the cogs share to answer an interaction once, in the member's language."""

from __future__ import annotations

import functools
import re
from typing import Any

import discord

from bot.errors import UserError
from bot.i18n import normalize_locale

NO_PINGS = discord.AllowedMentions.none()


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
    if interaction.response.is_done():
        await interaction.followup.send(content or discord.utils.MISSING, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


def reports_errors(func: Any) -> Any:
    """For button and modal callbacks: member errors become a reply, like command errors do.

    Unexpected errors are reported with a reference and then re-raised, so they are logged.
    """

    @functools.wraps(func)
    async def wrapper(self: Any, interaction: discord.Interaction, *args: Any, **kwargs: Any) -> Any:
        try:
            return await func(self, interaction, *args, **kwargs)
        except UserError as exc:
            await interaction.client.report_error(interaction, exc)  # type: ignore[attr-defined]
        except Exception as exc:
            await interaction.client.report_error(interaction, exc)  # type: ignore[attr-defined]
            raise

    return wrapper


def is_moderator(interaction: discord.Interaction) -> bool:
    """Checked when the command runs, whatever a server admin set in the integration settings."""
    permissions = interaction.permissions
    return permissions.manage_guild or permissions.administrator
