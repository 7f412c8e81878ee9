"""Events: see the cog modules in this package."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    """Registers the feature (filled in by the feature's cog)."""
