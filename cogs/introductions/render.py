"""Texts and embeds of introductions, in the reader's language, within Discord's limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import discord

from bot.i18n import t
from bot.services.intros import IntroOverview
from bot.services.matching.scoring import strength
from bot.services.matchmaking import Suggestion
from bot.ui import CONTENT_MAX, EMBED_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX, clip, fit_lines, more_line, safe

MAX_REASONS_SHOWN = 3

Reasons = Sequence[Mapping[str, Any]]


def strength_label(locale: str, score: float) -> str:
    """What a member reads instead of a raw score: "strong match" or "possible match"."""
    return t(locale, f"match.strength.{strength(score)}")


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


def reason_lines(
    locale: str, reasons: Reasons, reader: int, names: Mapping[int, str], *, chance: bool = False
) -> list[str]:
    if chance:
        return [t(locale, "reason.chance")]
    if not reasons:
        # Asked for with "Introduce us" (from /match or /find) while their profiles share no reason.
        return [t(locale, "reason.requested")]
    return [f"• {reason_line(locale, r, reader, names)}" for r in reasons[:MAX_REASONS_SHOWN]]


def reasons_text(
    locale: str,
    reasons: Reasons,
    reader: int,
    names: Mapping[int, str],
    *,
    chance: bool = False,
    limit: int = FIELD_VALUE_MAX,
) -> str:
    """The reasons as bullets, at most ``limit`` characters (ending in "… and N more" if cut)."""
    return fit_lines(reason_lines(locale, reasons, reader, names, chance=chance), limit, more=more_line(locale))


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
    reasons: Reasons,
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


def match_embed(locale: str, suggestions: Sequence[Suggestion], reader: int, reader_name: str) -> discord.Embed:
    """/match: one numbered field per suggestion; each gets an equal share of the message's room."""
    embed = discord.Embed(title=t(locale, "match.title"), description=t(locale, "match.intro"))
    share = (EMBED_MAX - len(embed)) // max(len(suggestions), 1)
    for number, suggestion in enumerate(suggestions, start=1):
        names = {suggestion.user_id: suggestion.name, reader: reader_name}
        name = clip(f"{number}. {safe(suggestion.name)}", FIELD_NAME_MAX)
        who = who_line(locale, suggestion.name, suggestion.sector, suggestion.organisation)
        lines = [
            f"{who} · {strength_label(locale, suggestion.score)}",
            *reason_lines(locale, suggestion.reasons, reader, names),
        ]
        value = fit_lines(lines, min(FIELD_VALUE_MAX, share - len(name)), more=more_line(locale))
        embed.add_field(name=name, value=value, inline=False)
    return embed


def connection_text(parties: Sequence[tuple[int, str, str]], reasons: Reasons, *, chance: bool) -> str:
    """The first message in a connection thread, in the language of each of the two (once if they share one)."""
    names = {user_id: name for user_id, name, _ in parties}
    (a, _, _), (b, _, _) = parties
    locales = list(dict.fromkeys(locale for _, _, locale in parties))
    separator = "\n\n"
    share = (CONTENT_MAX - len(separator) * (len(locales) - 1)) // len(locales)
    texts = []
    for locale in locales:
        starter = t(locale, "intro.connected.starter")
        frame = t(locale, "intro.connected.body", a=f"<@{a}>", b=f"<@{b}>", why="", starter=starter)
        why = reasons_text(locale, reasons, 0, names, chance=chance, limit=max(share - len(frame), 0))
        texts.append(clip(t(locale, "intro.connected.body", a=f"<@{a}>", b=f"<@{b}>", why=why, starter=starter), share))
    return separator.join(texts)


def status_text(locale: str, overview: IntroOverview, next_round: int | None) -> str:
    """/intro status: only the bot's own words and numbers, far within a message's 2,000 characters."""
    if not overview.joined:
        state = t(locale, "intro.status.not_joined")
    elif overview.paused_until is not None:
        state = t(locale, "intro.status.paused", until=f"<t:{int(overview.paused_until.timestamp())}:F>")
    else:
        state = t(locale, "intro.status.active")
    lines = [state]
    if overview.joined:
        lines.append(t(locale, "intro.status.chance_on" if overview.chance else "intro.status.chance_off"))
    lines.append(t(locale, "intro.status.counts", pending=overview.pending, connected=overview.connected))
    if next_round is not None:
        lines.append(t(locale, "intro.status.next_round", when=f"<t:{next_round}:F>"))
    return "\n".join(lines)


def summary_text(locale: str, pairs: int, chance: int, members: int, *, join: str) -> str:
    """The weekly round's public summary; ``join`` names the join command (a command mention)."""
    proposals = t(locale, "round.summary.proposals", count=pairs)
    if chance:
        proposals = t(
            locale,
            "round.summary.with_chance",
            proposals=proposals,
            chance=t(locale, "round.summary.chance", count=chance),
        )
    people = t(locale, "round.summary.members", count=members)
    return t(locale, "round.summary", proposals=proposals, members=people, join=join)
