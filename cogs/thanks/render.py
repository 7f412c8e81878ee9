"""Texts of a thanks: the public post, the DM to the thanked member, the reply to the thanker."""

from __future__ import annotations

from bot.i18n import t
from bot.services.value.thanks import Draft, hours_of
from bot.ui import safe


def hours_text(locale: str, quarters: int | None) -> str:
    """``1.5`` as "1.5 hours" (English) or "1,5 uur" (Dutch); empty without hours."""
    return t(locale, "value.hours", count=hours_of(quarters)) if quarters else ""


def kind_text(locale: str, kind: str) -> str:
    return t(locale, f"value.kind.{kind}")


def public_post(locale: str, draft: Draft) -> str:
    """In the value channel; mentions are shown but allowed to ping nobody."""
    hours = hours_text(locale, draft.quarters)
    return t(
        locale,
        "thanks.post",
        thanker=f"<@{draft.thanker_id}>",
        helper=f"<@{draft.helper_id}>",
        kind=kind_text(locale, draft.kind),
        hours=f" · {hours}" if hours else "",
        text=safe(draft.text),
    )


def dm_text(locale: str, draft: Draft, thanker_name: str, server: str, share: str) -> str:
    """``share`` is the /value share command as a mention."""
    hours = hours_text(locale, draft.quarters)
    return t(
        locale,
        "thanks.dm",
        share=share,
        thanker=safe(thanker_name),
        server=safe(server),
        kind=kind_text(locale, draft.kind),
        hours=f" · {hours}" if hours else "",
        text=safe(draft.text),
    )


def reply_text(
    locale: str, draft: Draft, helper_name: str, link: tuple[str, str | None], channel_id: int | None
) -> str:
    hours = hours_text(locale, draft.quarters)
    lines = [
        t(
            locale,
            "thanks.done",
            helper=safe(helper_name),
            kind=kind_text(locale, draft.kind),
            hours=f" · {hours}" if hours else "",
        )
    ]
    kind, title = link
    if kind == "introduction":
        lines.append(t(locale, "thanks.linked.introduction"))
    elif kind in ("event", "challenge"):
        lines.append(t(locale, f"thanks.linked.{kind}", title=safe(title or "?")))
    if draft.hours_dropped:
        lines.append(t(locale, "thanks.hours_off"))
    if channel_id is not None:
        lines.append(t(locale, "thanks.shared", channel=f"<#{channel_id}>"))
    else:
        lines.append(t(locale, "thanks.counted"))
    lines.append(t(locale, "thanks.told", helper=safe(helper_name)))
    return "\n".join(lines)
