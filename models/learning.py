"""What a server's introductions taught matching: per need wording and offer wording, how often
an introduction between them was accepted, met, declined or not met (issue 12, item 4).

Privacy: this table holds no member ids and no member text. A link is keyed by digests of the
*folded* need and offer wordings (``bot.services.learning.text_key``), and only counts signals.
So a privacy export or deletion of a member need not cover it; a moderator can wipe a server's
links with ``/synonym reset-learning``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TimestampMixin


class LearnedLink(TimestampMixin, Base):
    __tablename__ = "learned_links"
    __table_args__ = (UniqueConstraint("guild_id", "need_key", "offer_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # Hex digests of the folded wordings (see bot.services.learning.text_key).
    need_key: Mapped[str] = mapped_column(String(32))
    offer_key: Mapped[str] = mapped_column(String(32))
    positive: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
