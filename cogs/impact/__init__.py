"""/impact: the innovation officer's overview of a period, with charts (PNG) and the table (CSV)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.impact.commands import ImpactCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    await bot.add_cog(ImpactCog(bot))
