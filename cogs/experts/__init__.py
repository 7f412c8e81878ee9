"""/expert register, list, remove and /ask: expertise on offer and questions for a session.

The sessions themselves, their question form and its storing live in ``cogs.events``; this
package imports from there, never the other way round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.experts.commands import ExpertsCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    await bot.add_cog(ExpertsCog(bot))
