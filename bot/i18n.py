"""Message catalogues in Dutch and English, and how a language is chosen.

Replies follow the interaction's locale (Dutch for ``nl``, English for everything
else). Where there is no interaction (scheduled posts, DMs), the member's stored
language is used, and the ``DEFAULT_LOCALE`` setting for anyone without one.

A message that depends on a number is an object of CLDR plural categories
(``{"one": "…", "other": "…"}``, optionally ``"zero"`` for a dedicated empty text); ``t``
picks the form for its ``count`` parameter with Babel's plural rules and formats the
number for the language.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale
from babel.numbers import format_decimal

LOCALES = ("nl", "en")
FALLBACK = "en"


@cache
def catalogue(locale: str) -> dict[str, Any]:
    """All of a language's files (``locales/<locale>/*.json``, one per feature), merged."""
    merged: dict[str, dict[str, Any]] = {"messages": {}, "commands": {}}
    folder = resources.files("bot").joinpath("locales", locale)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        data = json.loads(entry.read_text(encoding="utf-8"))
        for section, texts in data.items():
            clash = merged.setdefault(section, {}).keys() & texts.keys()
            if clash and section == "messages":
                raise ValueError(f"{locale}/{entry.name} repeats message keys: {sorted(clash)}")
            merged[section].update(texts)
    return merged


def normalize_locale(value: object, *, fallback: str = FALLBACK) -> str:
    """Map a Discord locale (``nl``, ``en-US``, ``de`` …) to a supported language."""
    text = str(getattr(value, "value", value) or "").lower()
    code = text.split("-")[0].split("_")[0]
    return code if code in LOCALES else fallback


@cache
def _babel(locale: str) -> Locale:
    return Locale.parse(locale)


def plural_form(locale: str, count: float) -> str:
    """The CLDR plural category of ``count`` in ``locale`` (``one``, ``other`` …)."""
    return str(_babel(locale).plural_form(abs(count)))


def number(locale: str, value: float) -> str:
    """A number as the language writes it (``1.234`` in Dutch, ``1,234`` in English)."""
    return format_decimal(value, locale=locale)


def t(locale: str, key: str, /, **params: Any) -> str:
    """Translate ``key`` into ``locale``; English where a Dutch text is missing."""
    messages = catalogue(locale)["messages"]
    template = messages.get(key)
    if template is None:
        locale, template = FALLBACK, catalogue(FALLBACK)["messages"].get(key, key)
    if isinstance(template, dict):
        count = params.get("count", 0)
        form = "zero" if count == 0 and "zero" in template else plural_form(locale, count)
        template = template.get(form, template["other"])
        params = {**params, "count": number(locale, count)}
    return template.format(**params) if params else template


def command_text(locale: str, source: str) -> str | None:
    """The translation of a command name, description or choice, or None to keep the source."""
    return catalogue(locale).get("commands", {}).get(source)
