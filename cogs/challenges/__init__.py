"""Challenges: /challenge post, suggest, status, join, leave, list and setup; teams formed by skill fit.

Modules import one way: commands → notify → buttons → render → services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.challenges.buttons import DYNAMIC_ITEMS
from cogs.challenges.commands import ChallengesCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    # Registered on every start, so buttons on old posts and invitations keep working after a restart.
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(ChallengesCog(bot))


async def teardown(bot: Bot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
