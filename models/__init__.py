"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from models.base import Base, UTCDateTime, utcnow
from models.challenge import Challenge, ChallengeInvite, ChallengeMember, ChallengeStatus
from models.event import (
    AgendaPost,
    Event,
    EventExpert,
    EventKind,
    EventNotice,
    EventQuestion,
    EventRsvp,
    EventSlot,
    EventStatus,
    Expert,
    RsvpStatus,
)
from models.guild import GuildSettings
from models.introduction import Answer, Introduction, IntroParty, IntroRound, IntroStatus, Met
from models.learning import LearnedLink
from models.member import ItemKind, Member, MemberItem, Sector
from models.operations import OutboxMessage, ServiceLease
from models.synonym import SynonymGroup

__all__ = [
    "AgendaPost",
    "Challenge",
    "ChallengeInvite",
    "ChallengeMember",
    "ChallengeStatus",
    "Event",
    "EventExpert",
    "EventKind",
    "EventNotice",
    "EventQuestion",
    "EventRsvp",
    "EventSlot",
    "EventStatus",
    "Expert",
    "RsvpStatus",
    "Answer",
    "Base",
    "GuildSettings",
    "IntroParty",
    "IntroRound",
    "IntroStatus",
    "Introduction",
    "ItemKind",
    "LearnedLink",
    "Member",
    "MemberItem",
    "Met",
    "OutboxMessage",
    "Sector",
    "ServiceLease",
    "SynonymGroup",
    "UTCDateTime",
    "utcnow",
]
