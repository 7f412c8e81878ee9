"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from models.base import Base, UTCDateTime, utcnow
from models.guild import GuildSettings
from models.introduction import Answer, IntroParty, IntroRound, Introduction, IntroStatus, Met
from models.member import ItemKind, Member, MemberItem, Sector
from models.synonym import SynonymGroup

__all__ = [
    "Answer",
    "Base",
    "GuildSettings",
    "IntroParty",
    "IntroRound",
    "IntroStatus",
    "Introduction",
    "ItemKind",
    "Member",
    "MemberItem",
    "Met",
    "Sector",
    "SynonymGroup",
    "UTCDateTime",
    "utcnow",
]
