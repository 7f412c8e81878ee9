"""/help: what a member can do here, and for moderators what they can set up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.help.commands import HelpCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    await bot.add_cog(HelpCog(bot))
