"""Helpers the cogs share to answer an interaction once, in the member's language."""

from __future__ import annotations

from typing import Any

import discord

from bot.i18n import normalize_locale

NO_PINGS = discord.AllowedMentions.none()


def locale_of(interaction: discord.Interaction) -> str:
    """Dutch for Dutch clients, English for everyone else."""
    return normalize_locale(interaction.locale)


def safe(text: str | None) -> str:
    """User text made inert: no @everyone, @here, role or member mention survives."""
    return discord.utils.escape_mentions(text or "")


async def send_ephemeral(interaction: discord.Interaction, content: str | None = None, **kwargs: Any) -> None:
    """Reply privately, whether or not the interaction was deferred already."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)
