"""What /privacy shows: the overview, the export file, the erasure prompt."""

from __future__ import annotations

import io
import json
from typing import Any

import discord

from bot.i18n import t
from bot.services.privacy import Overview

# How the overview names the tables; a table without a label is shown by its name.
TABLE_LABELS = (
    "members",
    "member_items",
    "introductions",
    "intro_parties",
    "events",
    "event_rsvps",
    "event_experts",
    "event_questions",
    "event_slots",
    "experts",
    "challenges",
    "challenge_members",
    "challenge_invites",
    "synonym_groups",
    "consents",
    "member_departures",
)
FIELD_MAX = 1024


def ts(moment: Any, style: str = "f") -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


def table_label(locale: str, table: str) -> str:
    return t(locale, f"privacy.table.{table}") if table in TABLE_LABELS else table


def _clip(lines: list[str], locale: str) -> str:
    """Lines that fit one embed field, with "and N more" when they do not."""
    shown: list[str] = []
    for index, line in enumerate(lines):
        more = t(locale, "privacy.more", count=len(lines) - index)
        if len("\n".join([*shown, line])) + len(more) + 1 > FIELD_MAX:
            shown.append(more)
            break
        shown.append(line)
    return "\n".join(shown)


def overview_embed(locale: str, seen: Overview, *, retention_days: int) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "privacy.show.title"), description=t(locale, "privacy.show.intro"))
    stored = [f"{table_label(locale, name)}: {count}" for name, count in seen.counts.items()]
    embed.add_field(
        name=t(locale, "privacy.show.stored"),
        value=_clip(stored, locale) or t(locale, "privacy.show.nothing"),
        inline=False,
    )
    embed.add_field(name=t(locale, "privacy.show.who"), value=t(locale, "privacy.show.who_text"), inline=False)
    consents = [
        t(
            locale,
            "privacy.consent.line",
            purpose=t(locale, f"privacy.purpose.{c.purpose}"),
            scope=f" #{c.scope_id}" if c.scope_id else "",
            via=t(locale, f"privacy.via.{c.via}"),
            when=ts(c.given_at),
        )
        for c in seen.consents
    ]
    embed.add_field(
        name=t(locale, "privacy.show.consents"),
        value=_clip(consents, locale) or t(locale, "privacy.show.no_consents"),
        inline=False,
    )
    retention = t(locale, "privacy.show.retention_text", days=retention_days)
    if seen.left_at is not None:
        retention += "\n" + t(locale, "privacy.show.left", when=ts(seen.left_at))
    embed.add_field(name=t(locale, "privacy.show.retention"), value=retention, inline=False)
    embed.add_field(name=t(locale, "privacy.show.rights"), value=t(locale, "privacy.show.rights_text"), inline=False)
    return embed


def export_file(data: dict[str, Any], guild_id: int) -> discord.File:
    payload = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return discord.File(io.BytesIO(payload), filename=f"verbinder-export-{guild_id}.json")


def erased_text(locale: str, touched: dict[str, int]) -> str:
    if not touched:
        return t(locale, "privacy.delete.nothing")
    return t(locale, "privacy.delete.done", count=sum(touched.values()))
