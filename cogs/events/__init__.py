"""Events: /event, /expert and /ask; announcements with RSVP buttons, reminders, questions, the agenda.

``refresh_announcement(bot, event_id)`` re-renders an event's announcement from the database
(RSVP counts, experts, slots, linked challenges); other features call it after changing what
it shows, e.g. after linking a challenge to an event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.events.announce import refresh_announcement
from cogs.events.cog import EventsCog
from cogs.events.experts import ExpertsCog
from cogs.events.views import DYNAMIC_ITEMS

if TYPE_CHECKING:
    from bot.app import Bot

__all__ = ["refresh_announcement", "setup", "teardown"]


async def setup(bot: Bot) -> None:
    # Registered on every start, so buttons on old announcements keep working after a restart.
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(EventsCog(bot))
    await bot.add_cog(ExpertsCog(bot))


async def teardown(bot: Bot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
