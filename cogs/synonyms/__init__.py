"""/synonym add, list, remove and reset-learning: a server's own words for the matching vocabulary,
and forgetting what matching learned from its introductions (moderators)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.synonyms.commands import SynonymsCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    await bot.add_cog(SynonymsCog(bot))
