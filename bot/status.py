"""``verbinder status``: is the database reachable and at head, who serves it, what is due.

Read-only, never takes the serving lease; safe beside a running bot. Healthy (exit 0) means:
the database answers, its schema is at this version's head, and a live process holds the lease.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.config import Settings
from bot.db import Database
from bot.diagnose import Problem, database_problem, open_database, shown_url
from bot.lease import Holder, current_holder
from bot.services import guilds, intros, rounds
from models import Introduction, IntroParty, IntroRound, IntroStatus


@dataclass(frozen=True, slots=True)
class ServerStatus:
    guild_id: int
    last_week: str | None
    last_round_at: datetime | None
    last_round_complete: bool
    next_round_at: datetime


@dataclass(slots=True)
class Report:
    database: str
    problem: str | None = None
    revision: str | None = None
    head: str | None = None
    holder: Holder | None = None
    servers: list[ServerStatus] = field(default_factory=list)
    pending: dict[str, int] = field(default_factory=dict)

    @property
    def at_head(self) -> bool:
        return self.revision is not None and self.revision == self.head

    @property
    def healthy(self) -> bool:
        return self.problem is None and self.at_head and self.holder is not None

    def as_json(self) -> dict[str, Any]:
        def when(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        holder = self.holder
        return {
            "healthy": self.healthy,
            "database": {
                "url": self.database,
                "reachable": self.problem is None,
                "problem": self.problem,
                "revision": self.revision,
                "head": self.head,
            },
            "lease": None
            if holder is None
            else {"host": holder.host, "pid": holder.pid, "heartbeat_at": when(holder.heartbeat_at)},
            "servers": [
                {
                    "guild_id": str(s.guild_id),
                    "last_round": s.last_week,
                    "last_round_at": when(s.last_round_at),
                    "last_round_complete": s.last_round_complete,
                    "next_round_at": when(s.next_round_at),
                }
                for s in self.servers
            ],
            "pending": self.pending,
        }


async def _pending(session: AsyncSession, now: datetime) -> dict[str, int]:
    pending_intro = Introduction.status == IntroStatus.PENDING.value

    async def count(*where: Any) -> int:
        stmt = select(func.count()).select_from(IntroParty).join(Introduction).where(*where)
        return int(await session.scalar(stmt) or 0)

    return {
        "proposals_to_send": await count(pending_intro, IntroParty.notified_at.is_(None)),
        # Claimed for sending but no message recorded: the send failed or the process stopped meanwhile.
        "proposals_unconfirmed": await count(
            pending_intro, IntroParty.notified_at.is_not(None), IntroParty.prompt_message_id.is_(None)
        ),
        "summaries_to_post": int(
            await session.scalar(select(func.count()).where(IntroRound.completed_at.is_(None))) or 0
        ),
        "followups_due": int(
            await session.scalar(
                select(func.count()).where(
                    Introduction.status == IntroStatus.CONNECTED.value,
                    Introduction.followup_sent_at.is_(None),
                    Introduction.connected_at <= now - intros.FOLLOWUP_AFTER,
                )
            )
            or 0
        ),
    }


async def _servers(session: AsyncSession, now: datetime, default_tz: str) -> list[ServerStatus]:
    found = []
    for server in await guilds.servers_with_intro_channel(session):
        last = (
            await session.execute(
                select(IntroRound).where(IntroRound.guild_id == server.guild_id).order_by(IntroRound.due_at.desc())
            )
        ).scalar()
        found.append(
            ServerStatus(
                guild_id=server.guild_id,
                last_week=None if last is None else last.week,
                last_round_at=None if last is None else last.due_at,
                last_round_complete=last is not None and last.completed_at is not None,
                next_round_at=rounds.next_round_at(server, now, default_tz),
            )
        )
    return found


async def collect(settings: Settings, now: datetime | None = None) -> Report:
    now = now or datetime.now(UTC)
    url = settings.database_url
    report = Report(database=shown_url(url), head=Database.head())
    try:
        db = open_database(url)
    except Problem as exc:
        report.problem = str(exc)
        return report
    try:
        await db.ping()
        report.revision = await db.revision()
        if report.revision is None:
            return report
        async with db.read() as session:
            if await db.has_table("service_leases"):
                report.holder = await current_holder(session, now)
            report.servers = await _servers(session, now, settings.timezone)
            report.pending = await _pending(session, now)
            if await db.has_table("outbox_messages"):
                report.pending |= await outbox.counts(session, now)
    except Exception as exc:
        problem = database_problem(exc, url)
        if problem is None:
            raise
        report.problem = problem
    finally:
        await db.dispose()
    return report


def render(report: Report) -> str:
    lines = [f"Database: {report.database}"]
    if report.problem is not None:
        lines.append(f"  not reachable: {report.problem}")
    elif report.at_head:
        lines.append(f"  reachable, schema at head ({report.head})")
    else:
        lines.append(
            f"  reachable, schema at {report.revision or 'nothing (not migrated)'}, this version needs {report.head}: "
            "run `verbinder db upgrade` (or start `verbinder run`, which migrates)"
        )
    holder = report.holder
    if holder is not None:
        lines.append(
            f"Serving: {holder.describe()}, since {holder.acquired_at:%Y-%m-%d %H:%M} UTC, "
            f"last heartbeat {holder.heartbeat_at:%H:%M:%S} UTC"
        )
    elif report.problem is None:
        lines.append("Serving: nobody (no `verbinder run` holds the lease)")
    for server in report.servers:
        last = (
            f"{server.last_week} ({server.last_round_at:%Y-%m-%d %H:%M} UTC, "
            f"{'complete' if server.last_round_complete else 'not complete'})"
            if server.last_round_at is not None
            else "none yet"
        )
        lines.append(
            f"Server {server.guild_id}: last round {last}, next round {server.next_round_at:%Y-%m-%d %H:%M} UTC"
        )
    if report.pending:
        lines.append("Pending: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report.pending.items()))
    lines.append("Healthy" if report.healthy else "NOT healthy")
    return "\n".join(lines)
