"""Texts and embeds of events, in the reader's language, within Discord's limits. Times are
Discord timestamps (every reader sees their own time zone), except in select menus and
autocomplete, which show plain text in the server's time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import discord

from bot.i18n import t
from bot.services.events.records import Counts
from bot.ui import safe
from models import Event, EventKind, EventStatus

COLOURS = {
    EventKind.HACKATHON.value: discord.Colour.orange(),
    EventKind.EXPERT_SESSION.value: discord.Colour.blurple(),
    EventKind.MEETUP.value: discord.Colour.green(),
}
MESSAGE_MAX = 2000
DESCRIPTION_LIMIT = 4096
EMBED_LIMIT = 6000
FIELDS_MAX = 25


def ts(moment: datetime, style: str = "F") -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


def when(event: Event) -> str:
    end_style = "t" if event.ends_at - event.starts_at < timedelta(hours=12) else "F"
    return f"{ts(event.starts_at)} – {ts(event.ends_at, end_style)}"


def where(event: Event) -> str:
    if event.location_channel_id is not None:
        return f"<#{event.location_channel_id}>"
    return safe(event.location or "")


def jump(guild_id: int, channel_id: int | None, message_id: int | None) -> str:
    if channel_id is None or message_id is None:
        return ""
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def link(event: Event) -> str:
    return jump(event.guild_id, event.announcement_channel_id, event.announcement_message_id)


def kind_label(locale: str, kind: str) -> str:
    return t(locale, f"event.kind.{kind}")


def topics_of(event: Event) -> list[str]:
    return [topic for topic in (event.topics or "").split("|") if topic]


def going_text(locale: str, event: Event, counts: Counts) -> str:
    if event.capacity is None:
        return str(counts.going)
    return t(locale, "event.going_of", going=counts.going, count=event.capacity)


def announcement_embed(
    locale: str,
    event: Event,
    counts: Counts,
    *,
    challenges: Sequence[tuple[int, str]] = (),
    slots: tuple[int, int] | None = None,
    experts: Sequence[int] = (),
    now: datetime | None = None,
) -> discord.Embed:
    cancelled = event.status == EventStatus.CANCELLED.value
    over = not cancelled and now is not None and event.ends_at <= now
    title = event.title
    if cancelled:
        title = t(locale, "event.cancelled_title", title=event.title)
    elif over:
        title = t(locale, "event.over_title", title=event.title)
    embed = discord.Embed(
        title=safe(title)[:256],
        description=safe(event.description)[:4000] or None,
        colour=discord.Colour.light_grey() if cancelled or over else COLOURS.get(event.kind),
    )
    embed.add_field(
        name=t(locale, "event.field.when"), value=f"{when(event)}\n({ts(event.starts_at, 'R')})", inline=False
    )
    embed.add_field(name=t(locale, "event.field.where"), value=where(event)[:1024] or "–", inline=False)
    embed.add_field(name=t(locale, "event.field.going"), value=going_text(locale, event, counts))
    embed.add_field(name=t(locale, "event.field.maybe"), value=str(counts.maybe))
    embed.add_field(name=t(locale, "event.field.not_going"), value=str(counts.not_going))
    if counts.waitlist:
        embed.add_field(name=t(locale, "event.field.waitlist"), value=str(counts.waitlist))
    topics = topics_of(event)
    if topics:
        embed.add_field(name=t(locale, "event.field.topics"), value=safe(", ".join(topics))[:1024], inline=False)
    if experts:
        embed.add_field(
            name=t(locale, "event.field.experts"), value=" ".join(f"<@{u}>" for u in experts)[:1024], inline=False
        )
    if slots is not None:
        booked, total = slots
        embed.add_field(
            name=t(locale, "event.field.slots"),
            value=t(locale, "event.slots_value", booked=booked, count=total, minutes=event.slot_minutes),
            inline=False,
        )
    if challenges:
        lines = "\n".join(f"• #{cid} {safe(title)}" for cid, title in challenges)
        embed.add_field(name=t(locale, "event.field.challenges"), value=lines[:1024], inline=False)
    footer = "event.footer_cancelled" if cancelled else "event.footer_over" if over else "event.footer"
    embed.set_footer(text=t(locale, footer, kind=kind_label(locale, event.kind)))
    return embed


def status_label(locale: str, status: str) -> str:
    return t(locale, f"event.status.{status}")


def list_embed(locale: str, events: Sequence[Event], counts: dict[int, Counts], mine: dict[int, str]) -> discord.Embed:
    """One field per event, soonest first; what does not fit in one message ends in "and N more"."""
    embed = discord.Embed(title=t(locale, "event.list.title"))
    # Room for the footer that says how many more there are.
    budget = EMBED_LIMIT - len(t(locale, "event.list.more", count=len(events)))
    for index, event in enumerate(events):
        c = counts[event.id]
        value = t(
            locale,
            "event.list.line",
            kind=kind_label(locale, event.kind),
            when=when(event),
            where=where(event),
            going=going_text(locale, event, c),
            maybe=c.maybe,
        )
        if c.waitlist:
            value += t(locale, "event.list.waitlist", count=c.waitlist)
        if event.id in mine:
            value += t(locale, "event.list.mine", status=status_label(locale, mine[event.id]))
        if link(event):
            value += f"\n{link(event)}"
        name, value = safe(event.title)[:256], value[:1024]
        if len(embed.fields) == FIELDS_MAX or len(embed) + len(name) + len(value) > budget:
            embed.set_footer(text=t(locale, "event.list.more", count=len(events) - index))
            break
        embed.add_field(name=name, value=value, inline=False)
    return embed


def agenda_embeds(locale: str, events: Sequence[Event], counts: dict[int, Counts]) -> list[discord.Embed]:
    """The agenda, split over as many messages (one embed each) as it needs; nothing is cut."""
    lines = []
    for event in events:
        line = t(
            locale,
            "agenda.line",
            when=ts(event.starts_at),
            title=safe(event.title),
            kind=kind_label(locale, event.kind),
            going=going_text(locale, event, counts[event.id]),
        )
        if link(event):
            line += f" · {link(event)}"
        lines.append(line)
    parts = chunks("", lines, DESCRIPTION_LIMIT)
    title = t(locale, "agenda.title")
    return [
        discord.Embed(title=title if n == 1 else t(locale, "agenda.title_more", title=title, part=n), description=part)
        for n, part in enumerate(parts, start=1)
    ]


def promoted_dm(locale: str, event: Event) -> str:
    return t(locale, "event.promoted", title=safe(event.title), when=ts(event.starts_at), link=link(event))


def expert_dm(locale: str, event: Event) -> str:
    return t(
        locale,
        "event.expert_dm",
        title=safe(event.title),
        when=ts(event.starts_at),
        topics=safe(", ".join(topics_of(event))),
        link=link(event),
    )


def chunks(header: str, lines: Sequence[str], limit: int = MESSAGE_MAX) -> list[str]:
    """``header`` and the lines, split over as few messages as fit."""
    messages, current = [], header
    for line in lines:
        if len(current) + 1 + len(line) > limit:
            messages.append(current)
            current = line[:limit]
        else:
            current = f"{current}\n{line}" if current else line
    messages.append(current)
    return messages


def questions_messages(
    locale: str, event: Event, questions: Sequence[tuple[int, str]], slots: Sequence[tuple[datetime, int]] = ()
) -> list[str]:
    """The questions for the experts and, for a session with slots, who holds which slot."""
    if not questions:
        lines = [t(locale, "event.questions.none", title=safe(event.title), when=ts(event.starts_at))]
    else:
        lines = [
            t(locale, "event.questions.header", title=safe(event.title), when=ts(event.starts_at), count=len(questions))
        ]
        lines += [f"{n}. {safe(text)} (<@{user}>)" for n, (user, text) in enumerate(questions, start=1)]
    if event.slot_minutes:
        if slots:
            lines.append(t(locale, "event.questions.slots", count=len(slots)))
            end = timedelta(minutes=event.slot_minutes)
            lines += [f"• {ts(at, 't')}–{ts(at + end, 't')}: <@{user}>" for at, user in sorted(slots)]
        else:
            lines.append(t(locale, "event.questions.no_slots"))
    return chunks(lines[0], lines[1:])


def slot_label(at: datetime, minutes: int, tz: ZoneInfo) -> str:
    """Plain text (a select menu shows no Discord timestamps), so it names the time zone."""
    start = at.astimezone(tz)
    end = (at + timedelta(minutes=minutes)).astimezone(tz)
    return f"{start:%d-%m-%Y %H:%M}–{end:%H:%M} ({tz.key})"[:100]


def slot_reminder(locale: str, event: Event, at: datetime, tz: ZoneInfo) -> str:
    return t(
        locale,
        "slot.reminder",
        title=safe(event.title),
        relative=ts(at, "R"),
        when=ts(at),
        slot=slot_label(at, event.slot_minutes or 0, tz),
        where=where(event),
        link=link(event),
    ).strip()
