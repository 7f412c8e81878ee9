"""Challenges: societal problems posted by moderators, the teams around them, and skill fit.

Every function takes an open ``AsyncSession`` (the caller owns the transaction). Validation
happens before any write, so a refused request changes nothing; a
:class:`~bot.errors.UserError` says why. Nothing here knows about Discord.

Skill fit reuses the matching engine: the needed skills become the needs of a synthetic
member (the *probe*) added to the server's :class:`MatchIndex` for the duration of one
synchronous call, so members are ranked and explained exactly like ``/match`` does.
"""

from bot.services.challenges.fit import (
    Fit,
    Invitation,
    Listed,
    SkillReason,
    fit_of,
    fits_of,
    for_member,
    invite,
    rank,
    skill_choices,
    suggest,
)
from bot.services.challenges.records import (
    ChallengeView,
    Draft,
    EventInfo,
    choices,
    configure_channel,
    create,
    join,
    leave,
    of_event,
    prepare,
    set_post,
    set_status,
    view,
)
from bot.services.challenges.rules import (
    ACTIVE,
    ACTIVE_VALUES,
    DESCRIPTION_MAX,
    FINAL,
    FLOW,
    OWNER_MAX,
    PROBE_ID,
    SKILL_MAX,
    SKILL_MIN,
    SKILLS_MAX,
    SUGGEST_LIMIT,
    TITLE_MAX,
    next_statuses,
    parse_deadline,
    parse_description,
    parse_owner,
    parse_skills,
    parse_title,
)

__all__ = [
    "ACTIVE",
    "ACTIVE_VALUES",
    "ChallengeView",
    "DESCRIPTION_MAX",
    "Draft",
    "EventInfo",
    "FINAL",
    "FLOW",
    "Fit",
    "Invitation",
    "Listed",
    "OWNER_MAX",
    "PROBE_ID",
    "SKILLS_MAX",
    "SKILL_MAX",
    "SKILL_MIN",
    "SUGGEST_LIMIT",
    "SkillReason",
    "TITLE_MAX",
    "choices",
    "configure_channel",
    "create",
    "fit_of",
    "fits_of",
    "for_member",
    "invite",
    "join",
    "leave",
    "next_statuses",
    "of_event",
    "parse_deadline",
    "parse_description",
    "parse_owner",
    "parse_skills",
    "parse_title",
    "prepare",
    "rank",
    "set_post",
    "set_status",
    "skill_choices",
    "suggest",
    "view",
]
