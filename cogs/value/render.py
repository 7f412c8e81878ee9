"""Texts and embeds of /value and the monthly celebration post."""

from __future__ import annotations

from datetime import date

import discord
from babel.dates import format_date

from bot.i18n import number, t
from bot.services.value.celebrate import Highlights
from bot.services.value.impact import OUTCOME_KINDS, THANKS_KINDS
from bot.services.value.thanks import ProfileValue, Totals
from bot.ui import safe

DESCRIPTION_MAX = 4096
STORY_MAX = 300
# Five new thanks of at most this many characters each stay within an embed field's 1,024.
NEW_TEXT_MAX = 120


def on_off(locale: str, value: bool) -> str:
    return t(locale, "value.on" if value else "value.off")


def setup_text(locale: str, channel_id: int, celebrate: bool, time_credits: bool, share: str) -> str:
    return t(
        locale,
        "value.setup.done",
        share=share,
        channel=f"<#{channel_id}>",
        celebrate=on_off(locale, celebrate),
        time_credits=on_off(locale, time_credits),
    )


def balance_embed(locale: str, name: str, summary: ProfileValue, totals: Totals) -> discord.Embed:
    own = summary.balance
    embed = discord.Embed(title=t(locale, "value.balance.title", name=safe(name)))
    embed.add_field(
        name=t(locale, "value.balance.thanks"),
        value=t(locale, "value.balance.thanks_value", received=own.thanks_received, given=own.thanks_given),
        inline=False,
    )
    if summary.time_credits:
        embed.add_field(
            name=t(locale, "value.balance.hours"),
            value=t(
                locale,
                "value.balance.hours_value",
                given=number(locale, own.hours_given),
                received=number(locale, own.hours_received),
                balance=number(locale, own.balance),
            ),
            inline=False,
        )
    else:
        embed.set_footer(text=t(locale, "value.balance.credits_off"))
    server = t(locale, "value.balance.server_value", thanks=totals.thanks)
    if summary.time_credits:
        server += "\n" + t(locale, "value.balance.server_hours", hours=number(locale, totals.hours))
    embed.add_field(name=t(locale, "value.balance.server"), value=server, inline=False)
    # The thanks the member was not told about yet (shown once, then marked as told).
    for field_name, value in value_fields(locale, summary)[1:]:
        embed.add_field(name=field_name, value=value, inline=False)
    return embed


def clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def value_fields(locale: str, summary: ProfileValue) -> list[tuple[str, str]]:
    """What a member's own view shows of value, as embed fields (name, value): their counts, their
    hours when the server counts time credits, and the thanks they were not told about yet."""
    own = summary.balance
    lines = [t(locale, "value.profile.counts", received=own.thanks_received, given=own.thanks_given)]
    if summary.time_credits:
        lines.append(
            t(
                locale,
                "value.profile.hours",
                given=number(locale, own.hours_given),
                received=number(locale, own.hours_received),
                balance=number(locale, own.balance),
            )
        )
    fields = [(t(locale, "value.profile.title"), "\n".join(lines))]
    if summary.new:
        new = [
            t(
                locale,
                "value.profile.new_item",
                thanker=item.thanker_id,
                kind=t(locale, f"value.kind.{item.kind}"),
                text=clipped(safe(item.text), NEW_TEXT_MAX),
            )
            for item in summary.new
        ]
        if summary.new_more:
            new.append(t(locale, "value.profile.more", count=summary.new_more))
        fields.append((t(locale, "value.profile.new"), "\n".join(new)))
    return fields


def month_name(locale: str, month: str) -> str:
    """ "2026-11" as "November 2026" or "november 2026"."""
    year, number_ = month.split("-")
    return format_date(date(int(year), int(number_), 1), "LLLL y", locale=locale)


def celebration_embed(locale: str, found: Highlights, thanks_command: str) -> discord.Embed:
    """The month's post; every mention in it is shown but pings nobody. ``thanks_command`` is the
    /thanks command as a mention."""
    numbers = found.impact.summary
    lines = [
        t(locale, "value.celebrate.intros", accepted=int(numbers["accepted"]), met=int(numbers["met"])),
        t(locale, "value.celebrate.thanks", thanks=int(numbers["thanks"]), cross=found.cross_sector),
    ]
    if found.impact.time_credits and numbers["hours"]:
        lines.append(t(locale, "value.celebrate.hours", hours=number(locale, numbers["hours"])))
    lines.append(t(locale, "value.celebrate.events", attended=int(numbers["attended"])))
    lines.append(
        t(
            locale,
            "value.celebrate.challenges",
            challenges=int(numbers["challenges"]),
            members=int(numbers["team_members"]),
        )
    )
    kinds = [
        f"{t(locale, f'value.kind.{k}')}: {found.impact.kinds[k][0]}"
        for k in (*THANKS_KINDS, *OUTCOME_KINDS)
        if found.impact.kinds.get(k, (0, 0))[0]
    ]
    if kinds:
        lines.append("")
        lines.append(t(locale, "value.celebrate.kinds", kinds=" · ".join(kinds)))
    if found.stories:
        lines.append("")
        lines.append(t(locale, "value.celebrate.stories"))
        for story in found.stories:
            text = safe(story.text)[:STORY_MAX]
            lines.append(
                t(
                    locale,
                    "value.celebrate.story",
                    text=text,
                    helper=f"<@{story.helper_id}>",
                    thanker=f"<@{story.thanker_id}>",
                    kind=t(locale, f"value.kind.{story.kind}"),
                )
            )
    lines += ["", t(locale, "value.celebrate.invite", thanks=thanks_command)]
    return discord.Embed(
        title=t(locale, "value.celebrate.title", month=month_name(locale, found.month)),
        description="\n".join(lines)[:DESCRIPTION_MAX],
        colour=discord.Colour.gold(),
    )
