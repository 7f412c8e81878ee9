"""Limits, parsing and the status flow of challenges (pure)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.errors import UserError
from bot.text import clean, fold
from models import (
    ChallengeStatus,
)

TITLE_MAX = 100  # also Discord's limit for a thread name
DESCRIPTION_MAX = 2000
OWNER_MAX = 100
SKILL_MIN = 2
SKILL_MAX = 60
SKILLS_MAX = 10
SUGGEST_LIMIT = 5
# A synthetic engine member id: Discord ids are positive, so it never collides with a person.
PROBE_ID = -1

FLOW = (ChallengeStatus.OPEN, ChallengeStatus.TEAM_FORMED, ChallengeStatus.IN_PROGRESS, ChallengeStatus.DONE)
FINAL = frozenset({ChallengeStatus.DONE, ChallengeStatus.CLOSED})
ACTIVE = tuple(s for s in ChallengeStatus if s not in FINAL)
ACTIVE_VALUES = tuple(s.value for s in ACTIVE)

_SEPARATORS = re.compile(r"[,;|\n]")
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")


# --- validation ------------------------------------------------------------------------------


def parse_title(text: str | None) -> str:
    title = clean(text)
    if not title:
        raise UserError("challenge.no_title")
    if len(title) > TITLE_MAX:
        raise UserError("challenge.title_too_long", max=TITLE_MAX, length=len(title))
    return title


def parse_description(text: str | None) -> str:
    """Trimmed, with line breaks kept (paragraphs matter in a description); at most 2,000 characters."""
    lines = [clean(line) for line in (text or "").replace("\r\n", "\n").split("\n")]
    description = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not description:
        raise UserError("challenge.no_description")
    if len(description) > DESCRIPTION_MAX:
        raise UserError("challenge.description_too_long", max=DESCRIPTION_MAX, length=len(description))
    return description


def parse_skills(text: str | None) -> list[str]:
    """ "subsidies, communicatie | data-analyse" → three skills; validated, duplicates dropped."""
    skills: dict[str, str] = {}
    for raw in _SEPARATORS.split(text or ""):
        skill = clean(raw)
        if not skill:
            continue
        if not SKILL_MIN <= len(skill) <= SKILL_MAX:
            raise UserError("challenge.bad_skill", skill=skill[:SKILL_MAX], min=SKILL_MIN, max=SKILL_MAX)
        skills.setdefault(fold(skill), skill)
    if not skills:
        raise UserError("challenge.no_skills")
    if len(skills) > SKILLS_MAX:
        raise UserError("challenge.too_many_skills", max=SKILLS_MAX)
    return list(skills.values())


def parse_owner(text: str | None) -> str | None:
    owner = clean(text)
    if len(owner) > OWNER_MAX:
        raise UserError("challenge.owner_too_long", max=OWNER_MAX, length=len(owner))
    return owner or None


def parse_deadline(text: str | None, *, now: datetime, tz: ZoneInfo) -> datetime | None:
    """A date ("2026-12-31", also "31-12-2026") in the server's time zone: the end of that day, in UTC."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    day: date | None = None
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(cleaned, fmt).date()
            break
        except ValueError:
            continue
    if day is None:
        raise UserError("challenge.bad_deadline", value=cleaned[:20])
    if day < now.astimezone(tz).date():
        raise UserError("challenge.deadline_past", date=day.isoformat())
    return datetime.combine(day, time(23, 59), tzinfo=tz).astimezone(UTC)


def next_statuses(status: str) -> list[ChallengeStatus]:
    """Forward one step along open → team formed → in progress → done, or closed from any unfinished status."""
    current = ChallengeStatus(status)
    if current in FINAL:
        return []
    return [FLOW[FLOW.index(current) + 1], ChallengeStatus.CLOSED]
