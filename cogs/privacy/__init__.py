"""Privacy: /privacy show, export and delete; leavers out at once; retention; consent per purpose."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.privacy.buttons import DYNAMIC_ITEMS
from cogs.privacy.commands import PrivacyCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    # Registered on every start, so the confirm button keeps working after a restart.
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(PrivacyCog(bot))


async def teardown(bot: Bot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
