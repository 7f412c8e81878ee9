"""Texts and embeds of challenges, always within Discord's limits.

Limits that matter here: a thread name ≤ 100, an embed description ≤ 4096, a field value
≤ 1024, a whole embed ≤ 6000 and a message ≤ 2000 characters. A post shows the start of a
long description and points to the full text, which is posted in the thread in pieces.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.i18n import t
from bot.services.challenges.fit import Fit, Listed, SkillReason
from bot.services.challenges.records import ChallengeView
from bot.ui import safe
from cogs.introductions.render import who_line

CONTENT_MAX = 2000
FIELD_MAX = 1024
EMBED_MAX = 6000
# The post shows this much of the description; longer ones continue in the thread.
PREVIEW_MAX = 1000
REASONS_SHOWN = 3
# In the list, a challenge's skills take at most this much room (the rest: "and N more").
LIST_SKILLS_MAX = 300


def status_label(locale: str, status: str) -> str:
    return t(locale, f"challenge.status.{status}")


def message_url(view: ChallengeView) -> str | None:
    """A link to the post (a forum post's starter message, or the message in the text channel)."""
    if view.message_id is None or view.channel_id is None:
        return None
    return f"https://discord.com/channels/{view.guild_id}/{view.channel_id}/{view.message_id}"


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending at a paragraph, sentence or word where one is near."""
    if len(text) <= limit:
        return text
    window = text[: limit - 1]
    for mark in ("\n\n", "\n", ". ", " "):
        at = window.rfind(mark)
        if at >= limit // 2:
            return window[: at + (1 if mark == ". " else 0)].rstrip() + "…"
    return window + "…"


def split(text: str, limit: int = CONTENT_MAX) -> list[str]:
    """Pieces of at most ``limit`` characters, split at paragraphs, lines or words where possible."""
    pieces = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        for mark in ("\n\n", "\n", " "):
            at = window.rfind(mark)
            if at >= limit // 2:
                break
        else:
            at = limit
        pieces.append(rest[:at].rstrip())
        rest = rest[at:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def is_long(view: ChallengeView) -> bool:
    return len(view.description) > PREVIEW_MAX


def _preview(locale: str, view: ChallengeView) -> str:
    text = safe(view.description)
    if not is_long(view):
        return text
    pointer = (
        t(locale, "challenge.post.more_in", thread=f"<#{view.thread_id}>")
        if view.thread_id is not None
        else t(locale, "challenge.post.more")
    )
    return cut(text, PREVIEW_MAX) + "\n\n" + pointer


def _joined_within(items: Sequence[str], limit: int, more: str, separator: str = ", ") -> str:
    """Items joined by ``separator``; what does not fit within ``limit`` becomes "and N more"."""
    shown: list[str] = []
    for item in items:
        remaining = len(items) - len(shown) - 1
        suffix = " " + more.format(count=remaining) if remaining else ""
        if len(separator.join([*shown, item])) + len(suffix) > limit:
            break
        shown.append(item)
    remaining = len(items) - len(shown)
    return (separator.join(shown) + (" " + more.format(count=remaining) if remaining else "")).strip()


def skills_text(skills: Sequence[str]) -> str:
    return " · ".join(f"**{safe(s)}**" for s in skills)[:FIELD_MAX]


def event_text(locale: str, view: ChallengeView) -> str | None:
    if view.event is None:
        return None
    title = safe(view.event.title)
    named = f"[{title}]({view.event.link})" if view.event.link else f"**{title}**"
    return t(locale, "challenge.post.event_value", event=named, when=f"<t:{int(view.event.starts_at.timestamp())}:f>")


def post_embed(locale: str, view: ChallengeView, *, join: str | None = None) -> discord.Embed:
    """The public post: title, description (or its start), skills, details, status and team.

    ``join`` is the join command as a Discord command mention (``</challenge join:ID>``), which
    every reader sees clickable and in their own language; a footer cannot show one, so it goes
    in a field of its own while the team is open.
    """
    colour = discord.Colour.dark_grey() if view.finished else discord.Colour.teal()
    embed = discord.Embed(title=safe(view.title)[:256], description=_preview(locale, view), colour=colour)
    embed.add_field(name=t(locale, "challenge.post.skills"), value=skills_text(view.skills), inline=False)
    if view.owner:
        embed.add_field(name=t(locale, "challenge.post.owner"), value=safe(view.owner)[:FIELD_MAX], inline=True)
    if view.deadline is not None:
        embed.add_field(
            name=t(locale, "challenge.post.deadline"), value=f"<t:{int(view.deadline.timestamp())}:D>", inline=True
        )
    event = event_text(locale, view)
    if event:
        embed.add_field(name=t(locale, "challenge.post.event"), value=event[:FIELD_MAX], inline=True)
    embed.add_field(name=t(locale, "challenge.post.status"), value=status_label(locale, view.status), inline=True)
    team = (
        _joined_within([f"<@{u}>" for u in view.team], FIELD_MAX, t(locale, "challenge.post.team_more"))
        if view.team
        else t(locale, "challenge.post.team_empty" if not view.finished else "challenge.post.team_none")
    )
    embed.add_field(name=t(locale, "challenge.post.team", count=len(view.team)), value=team, inline=False)
    if join and not view.finished:
        embed.add_field(
            name=t(locale, "challenge.post.join"),
            value=t(locale, "challenge.post.join_how", command=join, id=view.id)[:FIELD_MAX],
            inline=False,
        )
    embed.set_footer(text=t(locale, "challenge.post.footer", id=view.id))
    # Everything above is bounded well below 6000; this keeps it so whatever the texts.
    while len(embed) > EMBED_MAX and embed.description:
        embed.description = cut(embed.description, max(100, len(embed.description) - (len(embed) - EMBED_MAX) - 1))
    return embed


def full_text(locale: str, view: ChallengeView) -> list[str]:
    """The complete description for the thread, as messages of at most 2,000 characters."""
    header = t(locale, "challenge.thread.full", title=safe(view.title))
    # Pieces leave room for the header, so it shares the first message instead of standing alone.
    pieces = split(safe(view.description), CONTENT_MAX - len(header) - 1)
    return [f"{header}\n{pieces[0]}", *pieces[1:]]


def reason_lines(locale: str, reasons: Sequence[SkillReason]) -> str:
    return "\n".join(
        "• " + t(locale, "challenge.fit.reason", offer=safe(r.offer), skill=safe(r.skill))
        for r in reasons[:REASONS_SHOWN]
    )


def fit_embed(locale: str, view: ChallengeView, fits: Sequence[Fit]) -> discord.Embed:
    """The private proposal to the moderator: who fits, why, and whether they were invited."""
    embed = discord.Embed(
        title=t(locale, "challenge.fit.title", title=safe(view.title))[:256],
        description=t(locale, "challenge.fit.intro"),
        colour=discord.Colour.teal(),
    )
    for number, fit in enumerate(fits, start=1):
        lines = [who_line(locale, fit.name, fit.sector, fit.organisation) + f" · {fit.score:.0f}/100"]
        lines.append(reason_lines(locale, fit.reasons))
        if fit.invited:
            lines.append(t(locale, "challenge.fit.invited"))
        embed.add_field(name=f"{number}. {safe(fit.name)}"[:256], value="\n".join(lines)[:FIELD_MAX], inline=False)
    return embed


def invitation_embed(
    locale: str, view: ChallengeView, *, by: str, server: str, reasons: Sequence[SkillReason]
) -> discord.Embed:
    """The DM to an invited member."""
    embed = discord.Embed(
        title=t(locale, "challenge.invite.title", title=safe(view.title))[:256],
        description=t(locale, "challenge.invite.body", by=safe(by), server=safe(server)),
        colour=discord.Colour.teal(),
    )
    embed.add_field(name=t(locale, "challenge.invite.why"), value=reason_lines(locale, reasons) or "–", inline=False)
    embed.add_field(name=t(locale, "challenge.post.skills"), value=skills_text(view.skills), inline=False)
    embed.add_field(name=t(locale, "challenge.invite.about"), value=cut(safe(view.description), 500), inline=False)
    url = message_url(view)
    if url:
        embed.add_field(name=t(locale, "challenge.invite.where"), value=f"[{safe(view.title)}]({url})"[:FIELD_MAX])
    embed.set_footer(text=t(locale, "challenge.invite.footer"))
    return embed


def _list_field(locale: str, item: Listed) -> tuple[str, str]:
    view = item.challenge
    details = [status_label(locale, view.status), t(locale, "challenge.list.team", count=len(view.team))]
    if view.deadline is not None:
        details.append(t(locale, "challenge.list.deadline", date=f"<t:{int(view.deadline.timestamp())}:D>"))
    skills = _joined_within(
        [f"**{safe(s)}**" for s in view.skills], LIST_SKILLS_MAX, t(locale, "challenge.list.skills_more"), " · "
    )
    lines = [" · ".join(details), t(locale, "challenge.list.skills", skills=skills)]
    event = event_text(locale, view)
    if event:
        lines.append(event)
    if item.reasons:
        lines.append(t(locale, "challenge.list.fits"))
        lines.append(reason_lines(locale, item.reasons))
    url = message_url(view)
    if url:
        lines.append(t(locale, "challenge.list.open", url=url))
    return f"#{view.id} {safe(view.title)}"[:256], cut("\n".join(lines), FIELD_MAX)


def list_embed(locale: str, listed: Sequence[Listed], *, shown: int = 10) -> discord.Embed:
    """The member's private list: challenges their offers fit first.

    At most ``shown`` challenges, and only as many as fit in one embed (6,000 characters);
    the footer counts the rest ("and N more").
    """
    embed = discord.Embed(title=t(locale, "challenge.list.title", count=len(listed)), colour=discord.Colour.teal())
    embed.description = t(locale, "challenge.list.intro")
    for number, item in enumerate(listed[:shown]):
        name, value = _list_field(locale, item)
        footer = t(locale, "challenge.list.more", count=len(listed) - number)
        if len(embed) + len(name) + len(value) + len(footer) > EMBED_MAX:
            break
        embed.add_field(name=name, value=value, inline=False)
    hidden = len(listed) - len(embed.fields)
    if hidden:
        embed.set_footer(text=t(locale, "challenge.list.more", count=hidden))
    return embed
