"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from models.base import Base, UTCDateTime, utcnow
from models.member import ItemKind, Member, MemberItem, Sector

__all__ = ["Base", "ItemKind", "Member", "MemberItem", "Sector", "UTCDateTime", "utcnow"]
