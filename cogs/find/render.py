"""The /find reply: one numbered field per member found, within Discord's limits."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.i18n import t
from bot.services.find import Found
from bot.ui import EMBED_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX, clip, fit_lines, more_line, safe
from cogs.introductions.render import reason_lines, strength_label, who_line


def find_embed(
    locale: str,
    kind: str,
    text: str,
    found: Sequence[Found],
    reader: int,
    reader_name: str,
    *,
    join_hint: str | None = None,
) -> discord.Embed:
    """``kind`` is what was looked for ("offer" or "need"); ``join_hint`` names /intro join for a reader
    who has not joined introductions (they must before "Introduce us" can ask anyone)."""
    description = [t(locale, "find.intro")]
    if join_hint is not None:
        description.append(t(locale, "find.join_first", join=join_hint))
    embed = discord.Embed(
        title=clip(t(locale, f"find.title_{kind}", text=safe(text)), 256), description="\n".join(description)
    )
    share = (EMBED_MAX - len(embed)) // max(len(found), 1)
    for number, member in enumerate(found, start=1):
        names = {member.user_id: member.name, reader: reader_name}
        name = clip(f"{number}. {safe(member.name)}", FIELD_NAME_MAX)
        who = who_line(locale, member.name, member.sector, member.organisation)
        lines = [
            f"{who} · {strength_label(locale, member.score)}",
            *reason_lines(locale, member.reasons, reader, names),
        ]
        if member.recent:
            lines.append(t(locale, "find.recent"))
        value = fit_lines(lines, min(FIELD_VALUE_MAX, share - len(name)), more=more_line(locale))
        embed.add_field(name=name, value=value, inline=False)
    return embed
