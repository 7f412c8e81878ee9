"""Member text is inert wherever the bot shows it: no mentions, no live links."""

from __future__ import annotations

import re

import pytest

from bot.ui import safe

# What Discord's markdown turns into a link or a ping, checked on the text the bot sends.
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\((?!\s)")
RAW_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://\S")
ANGLE_LINK = re.compile(r"(?<!\\)<https?://")


def live(text: str) -> bool:
    return bool(MASKED_LINK.search(text) or RAW_URL.search(text) or ANGLE_LINK.search(text))


@pytest.mark.parametrize(
    "text",
    [
        "[klik hier](https://evil.example/login)",
        "zie https://gemeente.example/subsidie voor meer",
        "HTTP://EXAMPLE.COM",
        "<https://hidden.example>",
        "[x](<https://evil.example>)",
        "discord://-/channels/1/2",
    ],
)
def test_links_are_shown_literally(text):
    shown = safe(text)
    assert live(text)
    assert not live(shown)
    # Nothing the member wrote is lost: without the escapes and the invisible break it reads the same.
    assert shown.replace("\\", "").replace("\u200b", "") == text


@pytest.mark.parametrize("text", ["@everyone kom", "@here nu", "<@123456789012345678>", "<@&123456789012345678>"])
def test_mentions_are_escaped(text):
    shown = safe(text)
    assert not re.search(r"@(everyone|here)\b", shown)
    assert not re.search(r"<@[!&]?\d{17,20}>", shown)


def test_plain_text_is_unchanged():
    assert safe("Fietsen repareren (gratis), 2 uur per week: kom langs!") == (
        "Fietsen repareren (gratis), 2 uur per week: kom langs!"
    )
    assert safe(None) == ""


def test_channel_links_and_timestamps_stay_as_they_are():
    # Not links out of Discord, and the bot's own messages pass channels through safe() too.
    assert safe("in <#123456789012345678> om <t:1700000000:F>") == "in <#123456789012345678> om <t:1700000000:F>"
