"""Challenges: /challenge post, suggest, status, join, leave, list and setup; teams formed by skill fit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.challenges.cog import ChallengesCog
from cogs.challenges.views import DYNAMIC_ITEMS

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    # Registered on every start, so buttons on old posts and invitations keep working after a restart.
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(ChallengesCog(bot))


async def teardown(bot: Bot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)


async def refresh_event_challenges(bot: Bot, event_id: int) -> None:
    """For the events feature: update the posts of the challenges linked to an event (e.g. after it changed)."""
    from bot.services import challenges
    from cogs.challenges.posting import refresh_post

    async with bot.db.session() as session:
        ids = await challenges.of_event(session, event_id)
    for challenge_id in ids:
        await refresh_post(bot, challenge_id)
