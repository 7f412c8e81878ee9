"""/profile set and /profile show: who a member is and where they work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.profile.commands import ProfileCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    await bot.add_cog(ProfileCog(bot))
