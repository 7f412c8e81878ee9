"""A server's synonym groups, within Discord's limits however many there are."""

from __future__ import annotations

import discord

from bot.i18n import t
from bot.services.synonyms import Group
from bot.ui import DESCRIPTION_MAX, fit_lines, more_line, safe


def groups_embed(groups: list[Group], locale: str) -> discord.Embed:
    lines = [f"`{g.id}` {safe(', '.join(g.terms))}" for g in groups]
    return discord.Embed(
        title=t(locale, "synonym.list_title", count=len(groups)),
        description=fit_lines(lines, DESCRIPTION_MAX, more=more_line(locale)),
    )
