"""The /help embed: member commands first, then (for moderators) what they can set up."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.i18n import t

DESCRIPTION_MAX = 4096


@dataclass(frozen=True)
class HelpLine:
    name: str
    mention: str
    description: str
    moderators_only: bool


def _within(lines: list[str], limit: int, locale: str) -> str:
    """Whole lines up to ``limit`` characters; the rest counted in a last line."""
    shown: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        rest = len(lines) - index
        reserve = len(t(locale, "help.more", count=rest)) + 1 if rest > 1 else 0
        if used + len(line) + 1 + reserve > limit:
            shown.append(t(locale, "help.more", count=rest))
            break
        shown.append(line)
        used += len(line) + 1
    return "\n".join(shown)


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
        description=_within(text, DESCRIPTION_MAX, locale),
        colour=discord.Colour.blurple(),
    )
