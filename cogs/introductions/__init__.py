"""Introductions: /intro, /match, consent-first proposals, the weekly round and follow-ups.

Inside, imports run one way: commands → notify → buttons → render → services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.introductions.buttons import DYNAMIC_ITEMS
from cogs.introductions.commands import IntroductionsCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    # Registered on every start, so buttons on old messages keep working after a restart.
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(IntroductionsCog(bot))


async def teardown(bot: Bot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
