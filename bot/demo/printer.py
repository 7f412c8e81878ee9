"""Printing the demo for a terminal: messages and embeds as a Discord client shows them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

# The sample community's time zone: Discord shows times in the reader's zone.
ZONE = "Europe/Amsterdam"
TIME_FORMATS = {"t": "%H:%M", "T": "%H:%M:%S", "d": "%d-%m-%Y", "D": "%d-%m-%Y", "f": "%d-%m-%Y %H:%M"}
EPHEMERAL_NOTE = "(alleen zichtbaar voor jou / only visible to you)"


class Printer:
    """Writes the transcript; ANSI styles only on a terminal, never a crash on a narrow encoding."""

    STYLES = {"head": "1;36", "who": "1", "cmd": "33", "bot": "32", "note": "2", "bold": "1"}

    def __init__(self, out: TextIO, *, color: bool) -> None:
        self.out = out
        self.color = color
        # Ids to names, so mentions and channels read as a Discord client shows them.
        self.names: dict[int, str] = {}
        # Whose Discord shows the next message (commands and relative times in their language).
        self.locale = "nl"
        # The story's "now", for relative times (<t:…:R>); the real time when not set.
        self.now: Callable[[], datetime] | None = None

    def discord_markup(self, text: str) -> str:
        """Mentions, command mentions and timestamps as Discord renders them for the reader.

        ``<@id>`` as @name, ``<#id>`` as #channel, ``</intro join:ID>`` as the command in the reader's
        language, ``<t:…:F>`` in the server's zone (``:R`` relative to the story's clock).
        """
        from datetime import UTC, datetime
        from zoneinfo import ZoneInfo

        from babel.dates import format_timedelta

        from bot.i18n import command_text

        locale = self.locale

        def stamp(match: re.Match[str]) -> str:
            when = datetime.fromtimestamp(int(match.group(1)), ZoneInfo(ZONE))
            style = match.group(2) or "f"
            if style == "R":
                now = self.now() if self.now is not None else datetime.now(UTC)
                return format_timedelta(when - now, add_direction=True, locale=locale)
            return when.strftime(TIME_FORMATS.get(style, "%d-%m-%Y %H:%M"))

        def command(match: re.Match[str]) -> str:
            words = match.group(1).split()
            return "/" + " ".join((command_text(locale, w) if locale != "en" else None) or w for w in words)

        def link(match: re.Match[str]) -> str:
            name = self.names.get(int(match.group(1)))
            return f"#{name} › 💬" if name else match.group(0)

        # Markdown links show their text; links to a message show its channel, as Discord does.
        text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", lambda m: m.group(1), text)
        text = re.sub(r"https://discord\.com/channels/\d+/(\d+)(?:/\d+)?", link, text)
        text = re.sub(r"<@!?(\d+)>", lambda m: "@" + self.names.get(int(m.group(1)), m.group(1)), text)
        text = re.sub(r"<#(\d+)>", lambda m: "#" + self.names.get(int(m.group(1)), m.group(1)), text)
        text = re.sub(r"</([\w\- ]+):\d+>", command, text)
        return re.sub(r"<t:(-?\d+)(?::([tTdDfFR]))?>", stamp, text)

    def style(self, text: str, name: str) -> str:
        if not self.color:
            return text
        return f"\033[{self.STYLES[name]}m{text}\033[0m"

    def markdown(self, text: str) -> str:
        """Discord's **bold** as terminal bold; left as typed when there are no colours."""
        text = self.discord_markup(text)
        if not self.color:
            return text
        return re.sub(r"\*\*(.+?)\*\*", lambda m: self.style(m.group(1), "bold"), text)

    def line(self, text: str = "") -> None:
        try:
            self.out.write(text + "\n")
        except UnicodeEncodeError:
            encoding = getattr(self.out, "encoding", None) or "ascii"
            self.out.write(text.encode(encoding, "replace").decode(encoding) + "\n")
        self.out.flush()


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line for line in (text or "").splitlines() or [""]]


def render_embed(embed: Any, printer: Printer, prefix: str) -> None:
    bar = prefix + "| "
    if embed.title:
        printer.line(bar + printer.style(embed.title, "bold"))
    if embed.description:
        for line in embed.description.splitlines():
            printer.line(bar + printer.markdown(line))
    for field in embed.fields:
        name = (field.name or "").replace("\u200b", "").strip()
        value = field.value or ""
        if "\n" in value or value.startswith("•"):
            if name:
                printer.line(bar + f"{name}:")
            for line in value.splitlines():
                printer.line(bar + "  " + printer.markdown(line))
        else:
            printer.line(bar + (f"{name}: " if name else "") + printer.markdown(value))
    if embed.footer and embed.footer.text:
        printer.line(bar + embed.footer.text)


def button_labels(message: Any) -> list[str]:
    """The labels of a message's buttons (sent messages hold objects, interaction replies raw dicts)."""
    labels = []
    for row in getattr(message, "components", None) or []:
        children = row.get("components", []) if isinstance(row, dict) else getattr(row, "children", [])
        for child in children:
            label = child.get("label") if isinstance(child, dict) else getattr(child, "label", None)
            if label:
                labels.append(label)
    return labels


def render_message(message: Any, printer: Printer, prefix: str = "    ") -> None:
    label = printer.style("Verbinder", "bot")
    # Interaction replies know whether they are private; messages the bot posted itself are not.
    if getattr(message, "ephemeral", False):
        label += " " + printer.style(EPHEMERAL_NOTE, "note")
    printer.line(prefix[:-2] + label + ":")
    if message.content:
        for line in _indent(message.content, prefix):
            printer.line(printer.markdown(line))
    for embed in message.embeds:
        render_embed(embed, printer, prefix)
    for attachment in getattr(message, "attachments", None) or []:
        name = attachment.get("filename") if isinstance(attachment, dict) else getattr(attachment, "filename", "")
        printer.line(prefix + f"[bijlage / attachment: {name}]")
    labels = button_labels(message)
    if labels:
        printer.line(prefix + printer.style(" ".join(f"[{label}]" for label in labels), "note"))
