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
from models.member import ItemKind, Member, MemberItem, Sector, Visibility
from models.operations import OutboxMessage, ServiceLease
from models.privacy import Consent, ConsentVia, Erasure, ErasureVia, GuildDeparture, MemberDeparture, Purpose
from models.synonym import SynonymGroup
from models.value import Thanks, ThanksDaily, ThanksKind, ValueCelebration, ValueSettings, ValueSharing

__all__ = [
    "AgendaPost",
    "Challenge",
    "ChallengeInvite",
    "ChallengeMember",
    "ChallengeStatus",
    "Consent",
    "ConsentVia",
    "Erasure",
    "ErasureVia",
    "GuildDeparture",
    "MemberDeparture",
    "Purpose",
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
    "Thanks",
    "ThanksDaily",
    "ThanksKind",
    "ValueCelebration",
    "ValueSettings",
    "ValueSharing",
    "UTCDateTime",
    "Visibility",
    "utcnow",
]
