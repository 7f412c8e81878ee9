"""The /help embed: member commands first, then (for moderators) what they can set up."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.i18n import t
from bot.ui import fit_lines

DESCRIPTION_MAX = 4096


@dataclass(frozen=True)
class HelpLine:
    name: str
    mention: str
    description: str
    moderators_only: bool


def help_embed(locale: str, lines: list[HelpLine]) -> discord.Embed:
    ordered = sorted(lines, key=lambda line: (line.moderators_only, line.name))
    text: list[str] = [t(locale, "help.members")]
    moderators = False
    for line in ordered:
        if line.moderators_only and not moderators:
            moderators = True
            text += ["", t(locale, "help.moderators")]
        text.append(f"{line.mention} — {line.description}")
    return discord.Embed(
        title=t(locale, "help.title"),
        description=fit_lines(text, DESCRIPTION_MAX, more=lambda count: t(locale, "help.more", count=count)),
        colour=discord.Colour.blurple(),
    )
