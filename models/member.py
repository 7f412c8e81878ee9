"""The member aggregate: a person's profile in one server, with what they offer and need."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TimestampMixin, UTCDateTime


class Sector(enum.StrEnum):
    GOVERNMENT = "government"
    COMPANY = "company"
    SOCIAL_ENTERPRISE = "social_enterprise"
    KNOWLEDGE_INSTITUTION = "knowledge_institution"
    CIVIL_SOCIETY = "civil_society"
    CITIZEN = "citizen"


class Visibility(enum.StrEnum):
    # Shown to the server's members and proposed to them (once the member joined introductions).
    MEMBERS = "members"
    # Shown to nobody but the owner; used only for the owner's own suggestions.
    PRIVATE = "private"


class ItemKind(enum.StrEnum):
    OFFER = "offer"
    NEED = "need"


def _in(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Member(TimestampMixin, Base):
    """One person in one server (guild). The same person in two servers has two rows."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("guild_id", "user_id"),
        CheckConstraint(f"sector IS NULL OR {_in('sector', Sector)}", name="sector_valid"),
        CheckConstraint("locale IN ('nl', 'en')", name="locale_valid"),
        CheckConstraint(_in("visibility", Visibility), name="visibility_valid"),
        # The matching cache reads the members changed since its last look (bot.services.matchmaking).
        Index("ix_members_guild_id_updated_at", "guild_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100), default="")
    sector: Mapped[str | None] = mapped_column(String(32))
    organisation: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    bio: Mapped[str | None] = mapped_column(String(500))
    # The language of the member's last interaction (or the import file): used where no interaction asks.
    locale: Mapped[str] = mapped_column(String(2), default="nl")
    # Consent to introductions and DMs (/intro join, or the operator's import file).
    intro_joined: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Willing to meet someone from another sector when nothing matches.
    intro_chance: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    intro_paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who sees the profile (/profile set visibility).
    visibility: Mapped[str] = mapped_column(
        String(8), default=Visibility.MEMBERS.value, server_default=Visibility.MEMBERS.value
    )

    items: Mapped[list[MemberItem]] = relationship(
        back_populates="member",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="MemberItem.id",
    )


class MemberItem(TimestampMixin, Base):
    """Something a member offers or needs, as they wrote it."""

    __tablename__ = "member_items"
    __table_args__ = (
        # One entry per meaning: "Subsidie" and "subsidie" are the same offer.
        UniqueConstraint("member_id", "kind", "folded"),
        CheckConstraint(_in("kind", ItemKind), name="kind_valid"),
        Index("ix_member_items_guild_id_kind", "guild_id", "kind"),
        # Community-wide vocabulary (autocomplete) groups by meaning within a server.
        Index("ix_member_items_guild_id_folded", "guild_id", "folded"),
        # The minute job finds the few items still without an analysis without reading them all.
        Index(
            "ix_member_items_unanalysed",
            "guild_id",
            sqlite_where=sql_text("analysis IS NULL"),
            postgresql_where=sql_text("analysis IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # Denormalised from the member so community-wide look-ups need no join.
    guild_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(100))
    folded: Mapped[str] = mapped_column(String(100))
    # How matching reads the folded text under the server's vocabulary, prefixed by that
    # vocabulary's fingerprint (bot.services.matching.stored); None until analysed.
    analysis: Mapped[str | None] = mapped_column(Text, default=None)

    member: Mapped[Member] = relationship(back_populates="items")
