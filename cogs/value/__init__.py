"""/value setup, /value balance, /value share, and the monthly celebration post (job "value")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.value.commands import ValueCog

if TYPE_CHECKING:
    from bot.app import Bot


async def setup(bot: Bot) -> None:
    await bot.add_cog(ValueCog(bot))
