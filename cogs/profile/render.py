"""The profile card, within Discord's limits whatever a member typed."""

from __future__ import annotations

import discord

from bot.i18n import t
from bot.services import profiles
from bot.ui import (
    DESCRIPTION_MAX,
    EMBED_MAX,
    FIELD_VALUE_MAX,
    TITLE_MAX,
    clip,
    more_line,
    pack_lines,
    safe,
)

CONTINUED = "\u200b"  # the name of a list's continuation field: nothing to read


def _size(chunks: list[str]) -> int:
    return sum(map(len, chunks)) + len(CONTINUED) * (len(chunks) - 1)


def profile_embed(profile: profiles.Profile, locale: str) -> discord.Embed:
    """Sector, organisation, region, bio, offers and needs.

    Offers and needs take the room that is left, shared fairly; a list that does not fit ends in
    "… and N more" (25 long offers and 25 long needs do not fit in one message).
    """
    dash = "—"
    sector = t(locale, f"sector.{profile.sector}") if profile.sector else dash
    embed = discord.Embed(
        title=clip(safe(profile.name) or str(profile.user_id), TITLE_MAX),
        description=clip(safe(profile.bio), DESCRIPTION_MAX) or None,
    )
    embed.add_field(name=t(locale, "profile.field.sector"), value=sector)
    embed.add_field(
        name=t(locale, "profile.field.organisation"), value=clip(safe(profile.organisation), FIELD_VALUE_MAX) or dash
    )
    embed.add_field(name=t(locale, "profile.field.region"), value=clip(safe(profile.region), FIELD_VALUE_MAX) or dash)

    more = more_line(locale)
    offers_title, needs_title = t(locale, "profile.field.offers"), t(locale, "profile.field.needs")
    offers = [f"• {safe(item)}" for item in profile.offers]
    needs = [f"• {safe(item)}" for item in profile.needs]
    room = EMBED_MAX - len(embed) - len(offers_title) - len(needs_title)

    def pack(lines: list[str], budget: int) -> list[str]:
        if not lines:
            return [t(locale, "profile.none")]
        return pack_lines(lines, budget=budget, more=more, chunk_cost=len(CONTINUED))

    packed_offers, packed_needs = pack(offers, room), pack(needs, room)
    if _size(packed_offers) + _size(packed_needs) > room:
        # The shorter list keeps what it needs, up to half the room; the longer one gets the rest.
        if _size(packed_offers) <= _size(packed_needs):
            packed_offers = pack(offers, room // 2)
            packed_needs = pack(needs, room - _size(packed_offers))
        else:
            packed_needs = pack(needs, room // 2)
            packed_offers = pack(offers, room - _size(packed_needs))
    for title, chunks in ((offers_title, packed_offers), (needs_title, packed_needs)):
        for index, chunk in enumerate(chunks):
            embed.add_field(name=title if index == 0 else CONTINUED, value=chunk, inline=False)
    return embed
