"""Texts and embeds of introductions, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord

from bot.i18n import t
from bot.ui import safe

MAX_REASONS_SHOWN = 3


def reason_line(locale: str, reason: Mapping[str, Any], reader: int, names: Mapping[int, str]) -> str:
    """One reason, told from the reader's side: "You need X: Y offers Z"."""
    need = safe(str(reason["need"]))
    offer = safe(str(reason["offer"]))
    need_of, offer_of = int(reason["need_of"]), int(reason["offer_of"])
    if need_of == reader:
        return t(locale, "reason.you_need", need=need, offer=offer, other=safe(names.get(offer_of, "?")))
    if offer_of == reader:
        return t(locale, "reason.you_offer", need=need, offer=offer, other=safe(names.get(need_of, "?")))
    return t(
        locale,
        "reason.between",
        need=need,
        offer=offer,
        need_of=safe(names.get(need_of, "?")),
        offer_of=safe(names.get(offer_of, "?")),
    )


def reasons_text(
    locale: str, reasons: list[Mapping[str, Any]], reader: int, names: Mapping[int, str], *, chance: bool = False
) -> str:
    if chance or not reasons:
        return t(locale, "reason.chance")
    lines = [f"• {reason_line(locale, r, reader, names)}" for r in reasons[:MAX_REASONS_SHOWN]]
    return "\n".join(lines)


def who_line(locale: str, name: str, sector: str | None, organisation: str | None) -> str:
    parts = [f"**{safe(name)}**"]
    details = [d for d in (t(locale, f"sector.{sector}") if sector else None, safe(organisation)) if d]
    if details:
        parts.append(f"({', '.join(details)})")
    return " ".join(parts)


def proposal_embed(
    locale: str,
    *,
    reader: int,
    other_name: str,
    other_sector: str | None,
    other_organisation: str | None,
    reasons: list[Mapping[str, Any]],
    names: Mapping[int, str],
    chance: bool,
    expires_at: int,
) -> discord.Embed:
    embed = discord.Embed(
        title=t(locale, "intro.proposal.title"),
        description=t(
            locale,
            "intro.proposal.body",
            who=who_line(locale, other_name, other_sector, other_organisation),
        ),
    )
    embed.add_field(
        name=t(locale, "intro.proposal.why"),
        value=reasons_text(locale, reasons, reader, names, chance=chance),
        inline=False,
    )
    embed.set_footer(text=t(locale, "intro.proposal.footer"))
    embed.add_field(name=t(locale, "intro.proposal.expires"), value=f"<t:{expires_at}:F>", inline=False)
    return embed
