"""/find: who offers this (or needs it)? Members found by the matching engine, each with "Introduce us".

Inside, imports run one way: commands → render → services. The "Introduce us" button is the one of
introductions (registered there), so an introduction asked for here is consent-first exactly as from /match.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.find.commands import FindCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    await bot.add_cog(FindCog(bot))
