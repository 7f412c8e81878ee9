"""Verbinder: the community connector bot.

``create_bot`` is imported lazily so that the discord-free parts of the package
(settings, services) can be imported without pulling in discord.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app import Bot
    from bot.config import Settings

__all__ = ["Bot", "create_bot"]


def create_bot(settings: Settings, **kwargs: Any) -> Bot:
    from bot.app import create_bot as _create_bot

    return _create_bot(settings, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "Bot":
        from bot.app import Bot

        return Bot
    raise AttributeError(name)
