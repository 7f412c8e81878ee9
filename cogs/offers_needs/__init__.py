"""/offer and /need: add, remove and list what a member offers or needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.offers_needs.commands import OffersNeedsCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    await bot.add_cog(OffersNeedsCog(bot))
