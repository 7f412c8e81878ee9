"""A member's own offers or needs, within Discord's limits whatever they typed."""

from __future__ import annotations

import discord

from bot.i18n import t
from bot.services import profiles
from bot.ui import DESCRIPTION_MAX, fit_lines, more_line, safe
from models import ItemKind


def items_embed(kind: ItemKind, items: list[str], locale: str) -> discord.Embed:
    # 25 items of 100 characters do not fit in a message's content; an embed description does.
    return discord.Embed(
        title=t(locale, f"{kind.value}.list_header", count=len(items), max=profiles.ITEMS_PER_KIND),
        description=fit_lines([f"• {safe(item)}" for item in items], DESCRIPTION_MAX, more=more_line(locale)),
    )
