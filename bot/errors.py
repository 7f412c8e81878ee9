"""Errors that carry a message for the member instead of a traceback.

Services raise :class:`UserError` with a message key and parameters; the bot's one
app-command error handler renders it in the member's language, ephemerally.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Bad input or a refused action: shown to the member, nothing is changed."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"UserError({self.key!r}, {self.params!r})"
