"""Normalising the short texts members type: offers, needs, names."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def clean(text: str | None) -> str:
    """Trim and collapse whitespace; control characters become spaces."""
    if not text:
        return ""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    return _SPACE.sub(" ", text).strip()


def fold(text: str) -> str:
    """The comparison key of a text: case, accents and spacing ignored ("Ideeën" == "ideeen")."""
    decomposed = unicodedata.normalize("NFKD", clean(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()
