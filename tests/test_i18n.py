"""Language choice, catalogue completeness and the command translator."""

from __future__ import annotations

import re
import string

import discord
import pytest

from bot.i18n import catalogue, command_text, normalize_locale, t
from bot.translator import VerbinderTranslator


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (discord.Locale.dutch, "nl"),
        ("nl", "nl"),
        (discord.Locale.american_english, "en"),
        (discord.Locale.british_english, "en"),
        (discord.Locale.german, "en"),
        (discord.Locale.french, "en"),
        (None, "en"),
    ],
)
def test_reply_language_follows_the_client_and_falls_back_to_english(given, expected):
    assert normalize_locale(given) == expected


def test_every_message_exists_in_both_languages_with_the_same_placeholders():
    en = catalogue("en")["messages"]
    nl = catalogue("nl")["messages"]
    assert set(en) == set(nl)

    def fields(text: str | dict[str, str]) -> set[str]:
        forms = text.values() if isinstance(text, dict) else [text]  # plural forms
        return {f for form in forms for _, f, _, _ in string.Formatter().parse(form) if f}

    for key in en:
        assert fields(en[key]) == fields(nl[key]), key


def test_t_formats_and_translates():
    assert t("nl", "offer.added", text="x", count=1, max=25) == "Toegevoegd aan je aanbod: **x** (1/25)."
    assert t("en", "offer.added", text="x", count=1, max=25) == "Added to your offers: **x** (1/25)."


async def test_every_command_string_has_a_valid_dutch_translation(simcord_bot):
    """Walk the real command tree: every name, description and choice is translated, names are valid."""
    bot = simcord_bot
    await bot.tree.set_translator(VerbinderTranslator())
    from bot.app import EXTENSIONS

    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    payloads = [await cmd.get_translated_payload(bot.tree, bot.tree.translator) for cmd in bot.tree.get_commands()]
    assert payloads, "no commands registered"
    name_rule = re.compile(r"^[-_\w]{1,32}$")

    def walk(node: dict) -> None:
        assert "nl" in node.get("name_localizations", {}), node["name"]
        nl_name = node["name_localizations"]["nl"]
        assert name_rule.match(nl_name) and nl_name == nl_name.lower(), nl_name
        if "description" in node and node.get("type", 1) != 0:
            assert "nl" in node.get("description_localizations", {}), node["name"]
        for choice in node.get("choices", []):
            assert "nl" in choice.get("name_localizations", {}), choice["name"]
        for option in node.get("options", []):
            walk(option)

    for payload in payloads:
        walk(payload)
    assert command_text("nl", "offer") == "aanbod"
