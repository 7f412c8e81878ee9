"""Operational state: which process serves this database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
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
