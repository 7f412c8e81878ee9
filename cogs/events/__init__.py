"""/event: hackathons, ask-the-expert sessions and meetups; announcements with RSVP buttons,
reminders, questions for the experts, the weekly agenda.

Inside, imports run one way: ``commands`` (the Cog) → ``notify`` (sending without an
interaction) → ``buttons`` (buttons, menus, forms and the announcement they sit on) →
``native`` / ``render`` → ``bot.services``. Other features do not import this package: they
``bot.dispatch("hackathon_challenges_changed", event_id)`` and the Cog refreshes that announcement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.events.buttons import DYNAMIC_ITEMS
from cogs.events.commands import EventsCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    # Registered on every start, so buttons on old announcements keep working after a restart.
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(EventsCog(bot))


async def teardown(bot: Bot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
