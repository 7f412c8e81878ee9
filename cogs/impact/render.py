"""The numbers of /impact as an embed."""

from __future__ import annotations

import discord

from bot.i18n import number, t
from bot.services.value.impact import Impact


def impact_embed(locale: str, impact: Impact, days: int) -> discord.Embed:
    s = impact.summary
    embed = discord.Embed(
        title=t(locale, "impact.title", days=days),
        description=t(
            locale,
            "impact.period",
            since=f"<t:{int(impact.since.timestamp())}:D>",
            until=f"<t:{int(impact.until.timestamp())}:D>",
        ),
    )
    embed.add_field(
        name=t(locale, "impact.field.introductions"),
        value=t(
            locale,
            "impact.value.introductions",
            proposed=int(s["proposed"]),
            accepted=int(s["accepted"]),
            met=int(s["met"]),
            outcomes=int(s["outcomes"]),
        ),
        inline=False,
    )
    thanks = t(locale, "impact.value.thanks", thanks=int(s["thanks"]))
    if impact.time_credits:
        thanks += "\n" + t(locale, "impact.value.hours", hours=number(locale, s["hours"]))
    embed.add_field(name=t(locale, "impact.field.thanks"), value=thanks, inline=False)
    embed.add_field(
        name=t(locale, "impact.field.together"),
        value=t(
            locale,
            "impact.value.together",
            attended=int(s["attended"]),
            challenges=int(s["challenges"]),
            members=int(s["team_members"]),
        ),
        inline=False,
    )
    embed.set_footer(text=t(locale, "impact.footer"))
    return embed
