"""Every message renders in both languages with 0, 1 and 2 of whatever it counts (CLDR plurals via Babel)."""

from __future__ import annotations

import string

import pytest

from bot.i18n import LOCALES, catalogue, number, plural_form, t


def _fields(template: object) -> set[str]:
    texts = template.values() if isinstance(template, dict) else [template]
    return {
        name.split(".")[0].split("[")[0]
        for text in texts
        for _, name, _, _ in string.Formatter().parse(str(text))
        if name
    }


def _keys() -> list[str]:
    return sorted(set().union(*(catalogue(locale)["messages"].keys() for locale in LOCALES)))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("count", [0, 1, 2])
def test_every_message_renders_with_every_count(locale: str, count: int) -> None:
    for key in _keys():
        template = catalogue(locale)["messages"].get(key) or catalogue("en")["messages"][key]
        params = {name: count if name == "count" else f"<{name}>" for name in _fields(template)}
        text = t(locale, key, **params)
        assert text and "{" not in text.replace("{{", ""), (locale, key, text)
        if isinstance(template, dict):
            assert number(locale, count) in text, (locale, key, text)


def test_plural_rules_come_from_cldr() -> None:
    assert [plural_form("nl", n) for n in (0, 1, 2)] == ["other", "one", "other"]
    assert [plural_form("en", n) for n in (0, 1, 2)] == ["other", "one", "other"]
    assert number("nl", 1234) == "1.234" and number("en", 1234) == "1,234"


def test_plural_messages_have_both_forms_and_the_same_fields_in_both_languages() -> None:
    for key in _keys():
        forms = {locale: catalogue(locale)["messages"].get(key) for locale in LOCALES}
        shapes = {locale: isinstance(template, dict) for locale, template in forms.items() if template is not None}
        assert len(set(shapes.values())) <= 1, key
        for locale, template in forms.items():
            if isinstance(template, dict):
                assert {"one", "other"} <= template.keys(), (locale, key)
        present = [_fields(template) for template in forms.values() if template is not None]
        assert all(fields == present[0] for fields in present), key
