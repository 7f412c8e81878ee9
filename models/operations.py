"""Operational state: which process serves this database, and the messages it has to send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class ServiceLease(Base):
    """The lease of the one process that serves a database (``verbinder run``).

    One row per lease name. The holder renews ``expires_at`` with a heartbeat; a crashed holder's
    lease expires by itself and the next process takes it over (see ``bot.lease``).
    """

    __tablename__ = "service_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Unique per process start: only the holder renews or releases its own lease.
    token: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """A message to send, recorded before it is sent (``bot.outbox``).

    ``key`` names the logical message (e.g. ``proposal:12:345``), so it is recorded once. A claim
    that was never confirmed (the sender crashed) is claimed again after a timeout: at least once,
    with a nonce derived from the key so Discord drops a repeat within its nonce window.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_outbox_messages_sent_at_claimed_at", "sent_at", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    # What the sender needs to build the message (ids, not rendered text).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(500))
