"""/thanks (Dutch /bedankt): a member thanks another for what they received, optionally with hours."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.thanks.commands import ThanksCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    await bot.add_cog(ThanksCog(bot))
