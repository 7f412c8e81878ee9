"""Privacy: what names a member, exporting and erasing it, who left, retention, consent per purpose.

Everything is driven by the schema. :data:`MEMBER_COLUMNS` names every column that can hold a
member (a Discord user id, a reference to a ``members`` row, or JSON that mentions a user id) and
says what erasing does to it; :func:`schema_gaps` finds columns that are not covered, and a test
fails on any, so a feature that adds a table must decide here what happens to its members' data.

Rows are scoped to one server through their ``guild_id`` or, for child tables, through the
foreign key to a parent that has one. Services stay free of Discord types.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ColumnElement,
    MetaData,
    Table,
    delete,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Base,
    Consent,
    ConsentVia,
    Erasure,
    ErasureVia,
    Expert,
    GuildDeparture,
    Introduction,
    IntroParty,
    IntroStatus,
    Member,
    MemberDeparture,
    Purpose,
)

EXPORT_FORMAT = "verbinder-export/1"
# What a required column holds once the member it named was erased.
ERASED = 0


class Action(enum.Enum):
    """What erasing a member does to a column that names them."""

    # The member's own record: the row is deleted.
    ROW = "row"
    # The member's side of a record shared with another member (an introduction): the shared
    # record (the row this one belongs to) is deleted, with every side of it.
    SHARED = "shared"
    # Community content the member created (an event, a challenge): kept, the id is blanked.
    ANONYMISE = "anonymise"
    # JSON that mentions the member somewhere inside: the row is deleted.
    JSON_ROW = "json_row"


#: Every column that can hold a member, and what erasure does with it. A new table with a
#: member column fails the schema-walk test until it is listed here.
MEMBER_COLUMNS: dict[str, Action] = {
    "members.user_id": Action.ROW,
    "member_items.member_id": Action.ROW,
    "introductions.requested_by": Action.ROW,
    "introductions.reasons": Action.JSON_ROW,
    "intro_parties.user_id": Action.SHARED,
    "intro_parties.member_id": Action.SHARED,
    "events.created_by": Action.ANONYMISE,
    "event_rsvps.user_id": Action.ROW,
    "event_experts.user_id": Action.ROW,
    "event_questions.user_id": Action.ROW,
    "event_slots.user_id": Action.ROW,
    "experts.user_id": Action.ROW,
    "challenges.created_by": Action.ANONYMISE,
    "challenge_members.user_id": Action.ROW,
    "challenge_invites.user_id": Action.ROW,
    "synonym_groups.created_by": Action.ANONYMISE,
    "consents.user_id": Action.ROW,
    "member_departures.user_id": Action.ROW,
    # Value flows (branch "value"): a thanks names two members; it goes when either is erased.
    "value_thanks.thanker_id": Action.ROW,
    "value_thanks.helper_id": Action.ROW,
    "value_sharing.user_id": Action.ROW,
    # Operations (branch "ops"): queued messages may name a member; they are not sent any more.
    "outbox_messages.payload": Action.JSON_ROW,
}

#: Columns the name rule cannot decide that do not hold a member (big integers and JSON).
NOT_MEMBER_COLUMNS: frozenset[str] = frozenset()

# Big-integer columns with these name endings hold Discord ids of other things than members.
_OTHER_IDS = ("guild_id", "channel_id", "message_id", "thread_id", "role_id", "event_id")

#: Columns that would let a member infer another's answer; shown in an export as below.
_MASKED = {
    ("introductions", "status"): lambda value: value if value == IntroStatus.CONNECTED.value else "open_or_ended"
}


# --- the schema walk ----------------------------------------------------------------------


async def _affected(session: AsyncSession, statement: Any) -> int:
    """Run a DELETE or UPDATE; the number of rows it touched."""
    result = cast("CursorResult[Any]", await session.execute(statement))
    return result.rowcount or 0


def _key(column: Column[Any]) -> str:
    return f"{column.table.name}.{column.name}"


def names_member(column: Column[Any]) -> bool | None:
    """True when the column can hold a member, False when it cannot, None when undecided.

    ``info={"member": True/False}`` on a column decides; otherwise a reference to ``members``, a
    name like ``user_id``, ``*_user_id`` or ``*_by`` means a member; other big integers (Discord
    ids) and JSON must be named in :data:`MEMBER_COLUMNS` or :data:`NOT_MEMBER_COLUMNS`.
    """
    flag = column.info.get("member")
    if flag is not None:
        return bool(flag)
    key = _key(column)
    if key in MEMBER_COLUMNS:
        return True
    if key in NOT_MEMBER_COLUMNS:
        return False
    if any(fk.column.table.name == "members" for fk in column.foreign_keys):
        return True
    name = column.name
    if name == "user_id" or name.endswith(("_user_id", "_by", "_member_id")) or name == "member_id":
        return True
    if isinstance(column.type, JSON):
        return None
    if isinstance(column.type, BigInteger):
        return False if name.endswith(_OTHER_IDS) else None
    return False


@dataclass(frozen=True)
class SchemaGaps:
    uncovered: list[str] = field(default_factory=list)  # names a member, export/erase do not know it
    undecided: list[str] = field(default_factory=list)  # may hold a member id: decide
    stale: list[str] = field(default_factory=list)  # listed, but no such column

    def __bool__(self) -> bool:
        return bool(self.uncovered or self.undecided or self.stale)


def schema_gaps(metadata: MetaData = Base.metadata) -> SchemaGaps:
    """Where export and erasure would miss a member, for the tables in ``metadata``."""
    gaps = SchemaGaps()
    present = set()
    for table in metadata.sorted_tables:
        for column in table.columns:
            key = _key(column)
            present.add(key)
            verdict = names_member(column)
            if verdict is None:
                gaps.undecided.append(key)
            elif verdict and key not in MEMBER_COLUMNS:
                gaps.uncovered.append(key)
    # Entries for tables this schema does not have (yet) are fine: features on other branches are listed early.
    tables = {t.name for t in metadata.sorted_tables}
    gaps.stale.extend(sorted(k for k in set(MEMBER_COLUMNS) - present if k.split(".")[0] in tables))
    return gaps


def _member_columns(table: Table) -> list[tuple[Column[Any], Action]]:
    return [(c, MEMBER_COLUMNS[_key(c)]) for c in table.columns if _key(c) in MEMBER_COLUMNS]


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _guild_scope(table: Table, guild_id: int) -> ColumnElement[bool]:
    """The rows of ``table`` that belong to one server (through parents for child tables)."""
    if "guild_id" in table.c:
        return table.c.guild_id == guild_id
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        parent = fk.column.table
        if parent is table:
            continue
        try:
            inner = _guild_scope(parent, guild_id)
        except LookupError:
            continue
        return fk.parent.in_(select(fk.column).where(inner))
    raise LookupError(f"{table.name} belongs to no server")


def _mentions(value: Any, user_id: int) -> bool:
    """True when JSON ``value`` holds ``user_id`` anywhere (as a number or a string)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == user_id
    if isinstance(value, str):
        return value == str(user_id)
    if isinstance(value, Mapping):
        return any(_mentions(v, user_id) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_mentions(v, user_id) for v in value)
    return False


def _condition(column: Column[Any], guild_id: int, user_id: int) -> ColumnElement[bool]:
    members = _table("members")
    if any(fk.column.table is members for fk in column.foreign_keys):
        return column.in_(select(members.c.id).where(members.c.guild_id == guild_id, members.c.user_id == user_id))
    return column == user_id


def _primary_key(table: Table, row: Any) -> tuple[Any, ...]:
    return tuple(row._mapping[c.name] for c in table.primary_key.columns)


async def _rows_naming(session: AsyncSession, table: Table, guild_id: int, user_id: int) -> list[Any]:
    """The rows of ``table`` in one server that name the member, in primary-key order."""
    columns = _member_columns(table)
    if not columns:
        return []
    scope = _guild_scope(table, guild_id)
    plain = [_condition(c, guild_id, user_id) for c, action in columns if action is not Action.JSON_ROW]
    json_columns = [c for c, action in columns if action is Action.JSON_ROW]
    order = list(table.primary_key.columns)
    rows: dict[tuple[Any, ...], Any] = {}
    if plain:
        for row in await session.execute(select(table).where(scope, or_(*plain)).order_by(*order)):
            rows[_primary_key(table, row)] = row
    if json_columns:
        for row in await session.execute(select(table).where(scope).order_by(*order)):
            if any(_mentions(row._mapping[c.name], user_id) for c in json_columns):
                rows[_primary_key(table, row)] = row
    return [rows[k] for k in sorted(rows)]


# --- export -------------------------------------------------------------------------------


def _plain(value: Any, column: Column[Any] | None = None) -> Any:
    """A JSON value; Discord ids become strings (JavaScript loses digits of big numbers)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and (
        (column is not None and isinstance(column.type, BigInteger)) or abs(value) > 2**53 - 1
    ):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _exported(table: Table, row: Any) -> dict[str, Any]:
    out = {}
    for column in table.columns:
        value = row._mapping[column.name]
        mask = _MASKED.get((table.name, column.name))
        out[column.name] = _plain(mask(value) if mask else value, column)
    return out


async def export_member(session: AsyncSession, guild_id: int, user_id: int, *, now: datetime) -> dict[str, Any]:
    """Everything that names the member in one server, as a JSON-able dict (``tables`` by name).

    Records shared with another member are included as far as they name this member; nothing
    shows another member's answer (an introduction's status reads ``connected`` or ``open_or_ended``).
    """
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in _tables():
        rows = await _rows_naming(session, table, guild_id, user_id)
        if table.name == "intro_parties":
            # The other side's answer is theirs: only the member's own side is exported.
            rows = [r for r in rows if r._mapping["user_id"] == user_id]
        if rows:
            tables[table.name] = [_exported(table, r) for r in rows]
    return {
        "format": EXPORT_FORMAT,
        "guild_id": str(guild_id),
        "user_id": str(user_id),
        "exported_at": now.isoformat(),
        "tables": tables,
    }


async def knows_member(session: AsyncSession, guild_id: int, user_id: int) -> bool:
    """True when anything in the server names the member."""
    for table in _tables():
        if await _rows_naming(session, table, guild_id, user_id):
            return True
    return False


async def knows_guild(session: AsyncSession, guild_id: int) -> bool:
    """True when anything is stored for the server."""
    for table in _tables():
        try:
            scope = _guild_scope(table, guild_id)
        except LookupError:
            continue
        if await session.scalar(select(1).select_from(table).where(scope).limit(1)):
            return True
    return False


# --- erasure ------------------------------------------------------------------------------


def subject_hash(salt: str, guild_id: int, user_id: int) -> str:
    return hashlib.sha256(f"{salt}:{guild_id}:{user_id}".encode()).hexdigest()


async def was_erased(session: AsyncSession, guild_id: int, user_id: int) -> list[Erasure]:
    """The erasure records of a member, found by recomputing their hash."""
    records = (await session.execute(select(Erasure).order_by(Erasure.id))).scalars()
    return [r for r in records if r.subject_hash == subject_hash(r.salt, guild_id, user_id)]


def _shared_parent(table: Table) -> tuple[Column[Any], Column[Any]]:
    """The foreign key of a shared side to its shared record: (this table's column, the parent's key)."""
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        if fk.column.table.name != "members":
            return fk.parent, fk.column
    raise LookupError(f"{table.name} has no shared record to remove")


async def erase_member(
    session: AsyncSession, guild_id: int, user_id: int, *, via: ErasureVia, now: datetime
) -> dict[str, int]:
    """Erase everything that names the member in one server; return the rows touched per table.

    Shared records (introductions) are removed with every side; community content the member
    created keeps existing without their id. A trace of the erasure holds only a salted hash.
    Nothing is recorded when nothing named the member.
    """
    touched: dict[str, int] = {}

    def count(name: str, n: int) -> None:
        if n:
            touched[name] = touched.get(name, 0) + n

    tables = _tables()
    # 1. Shared records, and rows whose JSON mentions the member.
    for table in tables:
        for column, action in _member_columns(table):
            if action is Action.SHARED:
                own, parent_key = _shared_parent(table)
                ids = select(own).where(_guild_scope(table, guild_id), _condition(column, guild_id, user_id))
                affected = await _affected(session, delete(parent_key.table).where(parent_key.in_(ids)))
                count(parent_key.table.name, affected)
            elif action is Action.JSON_ROW:
                rows = await _rows_naming(session, table, guild_id, user_id)
                keys = [_primary_key(table, r) for r in rows]
                for key in keys:
                    pk = list(table.primary_key.columns)
                    await session.execute(delete(table).where(*(c == v for c, v in zip(pk, key, strict=True))))
                count(table.name, len(keys))
    # 2. The member's own rows: children before parents.
    for table in reversed(tables):
        conditions = [_condition(c, guild_id, user_id) for c, a in _member_columns(table) if a is Action.ROW]
        if conditions:
            affected = await _affected(session, delete(table).where(_guild_scope(table, guild_id), or_(*conditions)))
            count(table.name, affected)
    # 3. Community content: kept without the id.
    for table in tables:
        for column, action in _member_columns(table):
            if action is Action.ANONYMISE:
                blank = None if column.nullable else ERASED
                affected = await _affected(
                    session,
                    update(table)
                    .where(_guild_scope(table, guild_id), _condition(column, guild_id, user_id))
                    .values({column.name: blank}),
                )
                count(table.name, affected)
    await session.flush()
    if await knows_member(session, guild_id, user_id):
        raise RuntimeError("erasure left rows that name the member")  # rolls the whole erasure back
    if touched:
        salt = secrets.token_hex(16)
        session.add(
            Erasure(subject_hash=subject_hash(salt, guild_id, user_id), salt=salt, via=via.value, erased_at=now)
        )
        await session.flush()
    return touched


async def erase_guild(session: AsyncSession, guild_id: int) -> int:
    """Erase everything stored for a server (erasure records hold no server and stay); rows deleted."""
    total = 0
    for table in reversed(_tables()):
        try:
            scope = _guild_scope(table, guild_id)
        except LookupError:
            continue
        affected = await _affected(session, delete(table).where(scope))
        total += affected
    await session.flush()
    return total


# --- members and servers that left --------------------------------------------------------


async def mark_left(session: AsyncSession, guild_id: int, user_id: int, *, now: datetime) -> bool:
    """Record that a member left: out of everything at once, open proposals end silently.

    Returns False when nothing is stored about them (nothing to record) or they were marked already.
    """
    if await session.get(MemberDeparture, (guild_id, user_id)) is not None:
        return False
    if not await knows_member(session, guild_id, user_id):
        return False
    session.add(MemberDeparture(guild_id=guild_id, user_id=user_id, left_at=now))
    await end_open_proposals(session, guild_id, user_id)
    await session.flush()
    return True


async def end_open_proposals(session: AsyncSession, guild_id: int, user_id: int) -> int:
    """Pending introductions with the member end as expired, without telling the other side."""
    theirs = select(IntroParty.introduction_id).where(IntroParty.user_id == user_id)
    affected = await _affected(
        session,
        update(Introduction)
        .where(
            Introduction.guild_id == guild_id,
            Introduction.status == IntroStatus.PENDING.value,
            Introduction.id.in_(theirs),
        )
        .values(status=IntroStatus.EXPIRED.value),
    )
    return affected


async def came_back(session: AsyncSession, guild_id: int, user_id: int) -> bool:
    """A member who left joined again before their data was erased: everything is theirs again."""
    # Read first: a join of someone who never left writes nothing (no write lock for nothing).
    found = await session.get(MemberDeparture, (guild_id, user_id))
    if found is None:
        return False
    await session.delete(found)
    await session.flush()
    return True


def still_here(guild_id: Any, user_id: Any) -> ColumnElement[bool]:
    """SQL: the member (by server and user id columns or values) and the bot are still in the server.

    Features filter on this wherever they propose, invite, remind or mention someone.
    """
    return ~exists().where(MemberDeparture.guild_id == guild_id, MemberDeparture.user_id == user_id) & ~exists().where(
        GuildDeparture.guild_id == guild_id
    )


async def departure(session: AsyncSession, guild_id: int, user_id: int) -> MemberDeparture | None:
    return await session.get(MemberDeparture, (guild_id, user_id))


async def departed(session: AsyncSession, guild_id: int) -> set[int]:
    """The user ids of members who left the server (and whose data is not erased yet)."""
    rows = await session.execute(select(MemberDeparture.user_id).where(MemberDeparture.guild_id == guild_id))
    return set(rows.scalars())


async def is_present(session: AsyncSession, guild_id: int, user_id: int) -> bool:
    """False when the member or the bot left the server: check this before delivering anything."""
    if await session.get(GuildDeparture, guild_id) is not None:
        return False
    return await session.get(MemberDeparture, (guild_id, user_id)) is None


async def guild_left(session: AsyncSession, guild_id: int, *, now: datetime) -> bool:
    """The bot was removed from a server: its data is erased after the retention period."""
    if await session.get(GuildDeparture, guild_id) is not None:
        return False
    session.add(GuildDeparture(guild_id=guild_id, left_at=now))
    await session.flush()
    return True


async def guild_returned(session: AsyncSession, guild_id: int) -> bool:
    found = await session.get(GuildDeparture, guild_id)
    if found is None:
        return False
    await session.delete(found)
    await session.flush()
    return True


async def departed_guilds(session: AsyncSession) -> set[int]:
    return set((await session.execute(select(GuildDeparture.guild_id))).scalars())


def _direct_id_columns() -> list[Column[Any]]:
    """Member columns that hold a user id themselves (not a row reference, not JSON)."""
    members = _table("members")
    return [
        c
        for table in _tables()
        for c, action in _member_columns(table)
        if action is not Action.JSON_ROW and not any(fk.column.table is members for fk in c.foreign_keys)
    ]


async def known_members(session: AsyncSession, guild_id: int) -> set[int]:
    """Every user id the server's data names."""
    found: set[int] = set()
    for column in _direct_id_columns():
        scope = _guild_scope(_table(column.table.name), guild_id)
        found.update((await session.execute(select(column).where(scope, column.is_not(None)).distinct())).scalars())
    found.discard(ERASED)
    return found


async def known_guilds(session: AsyncSession) -> set[int]:
    """Every server something is stored for."""
    found: set[int] = set()
    for table in _tables():
        if "guild_id" in table.c:
            found.update((await session.execute(select(table.c.guild_id).distinct())).scalars())
    return found


@dataclass
class Reconciled:
    left: list[int] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)


async def reconcile_guild(session: AsyncSession, guild_id: int, present: Iterable[int], *, now: datetime) -> Reconciled:
    """After the bot was offline: who left the server meanwhile, and who came back."""
    here = set(present)
    gone = await departed(session, guild_id)
    result = Reconciled()
    for user_id in sorted((await known_members(session, guild_id)) - here - gone):
        if await mark_left(session, guild_id, user_id, now=now):
            result.left.append(user_id)
    for user_id in sorted(gone & here):
        await came_back(session, guild_id, user_id)
        result.returned.append(user_id)
    return result


async def reconcile_guilds(session: AsyncSession, present: Iterable[int], *, now: datetime) -> Reconciled:
    """After the bot was offline: servers that removed it meanwhile, and servers it is back in."""
    here = set(present)
    gone = await departed_guilds(session)
    result = Reconciled()
    for guild_id in sorted((await known_guilds(session)) - here - gone):
        await guild_left(session, guild_id, now=now)
        result.left.append(guild_id)
    for guild_id in sorted(gone & here):
        await guild_returned(session, guild_id)
        result.returned.append(guild_id)
    return result


# --- retention ----------------------------------------------------------------------------


@dataclass
class Purged:
    guilds: list[int] = field(default_factory=list)
    members: int = 0


async def purge(session: AsyncSession, *, now: datetime, retention_days: int) -> Purged:
    """Erase servers and members that left more than ``retention_days`` ago."""
    cutoff = now - timedelta(days=retention_days)
    report = Purged()
    guilds = (await session.execute(select(GuildDeparture.guild_id).where(GuildDeparture.left_at <= cutoff))).scalars()
    for guild_id in list(guilds):
        await erase_guild(session, guild_id)
        report.guilds.append(guild_id)
    leavers = await session.execute(
        select(MemberDeparture.guild_id, MemberDeparture.user_id).where(MemberDeparture.left_at <= cutoff)
    )
    for guild_id, user_id in list(leavers):
        await erase_member(session, guild_id, user_id, via=ErasureVia.RETENTION, now=now)
        report.members += 1
    return report


# --- consent per purpose ------------------------------------------------------------------


async def give_consent(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    purpose: Purpose,
    *,
    via: ConsentVia,
    now: datetime,
    scope_id: int = 0,
) -> bool:
    """Record a consent (when and how it was given); False when it was given already."""
    found = await _consent(session, guild_id, user_id, purpose, scope_id)
    if found is not None:
        return False
    session.add(
        Consent(
            guild_id=guild_id, user_id=user_id, purpose=purpose.value, scope_id=scope_id, via=via.value, given_at=now
        )
    )
    await session.flush()
    return True


async def withdraw_consent(
    session: AsyncSession, guild_id: int, user_id: int, purpose: Purpose, *, scope_id: int = 0
) -> bool:
    found = await _consent(session, guild_id, user_id, purpose, scope_id)
    if found is None:
        return False
    await session.delete(found)
    await session.flush()
    return True


async def has_consent(
    session: AsyncSession, guild_id: int, user_id: int, purpose: Purpose, *, scope_id: int = 0
) -> bool:
    return await _consent(session, guild_id, user_id, purpose, scope_id) is not None


async def consenting(
    session: AsyncSession, guild_id: int, user_ids: Iterable[int], purpose: Purpose, *, scope_id: int = 0
) -> set[int]:
    """Those of ``user_ids`` who consented to the purpose and are still in the server."""
    ids = list(set(user_ids))
    if not ids:
        return set()
    rows = await session.execute(
        select(Consent.user_id).where(
            Consent.guild_id == guild_id,
            Consent.purpose == purpose.value,
            Consent.scope_id == scope_id,
            Consent.user_id.in_(ids),
        )
    )
    return set(rows.scalars()) - await departed(session, guild_id)


async def stop(session: AsyncSession, guild_id: int, user_id: int, purpose: Purpose, *, scope_id: int = 0) -> bool:
    """The member withdraws a consent (a "stop" button): what depends on it stops too.

    Introductions: no more proposals (as ``/intro leave``). Expert invitations: the expert
    registration goes. Event notices: no more reminders or changes of that event by DM.
    Returns False when there was nothing to stop.
    """
    changed = await withdraw_consent(session, guild_id, user_id, purpose, scope_id=scope_id)
    if purpose is Purpose.INTRODUCTIONS:
        affected = await _affected(
            session,
            update(Member)
            .where(Member.guild_id == guild_id, Member.user_id == user_id, Member.intro_joined.is_(True))
            .values(intro_joined=False, intro_paused_until=None),
        )
        changed = changed or bool(affected)
    elif purpose is Purpose.EXPERT_INVITATIONS:
        affected = await _affected(
            session, delete(Expert).where(Expert.guild_id == guild_id, Expert.user_id == user_id)
        )
        changed = changed or bool(affected)
    return changed


async def first_contact_after_import(session: AsyncSession, guild_id: int, user_id: int) -> bool:
    """True when the member's consent to introductions came from the operator's import and the bot
    never reached them about an introduction yet: that first DM explains why and offers to stop."""
    consent = await _consent(session, guild_id, user_id, Purpose.INTRODUCTIONS, 0)
    if consent is None or consent.via != ConsentVia.IMPORT.value:
        return False
    reached = await session.scalar(
        select(IntroParty.id)
        .join(Introduction, Introduction.id == IntroParty.introduction_id)
        .where(
            Introduction.guild_id == guild_id,
            IntroParty.user_id == user_id,
            IntroParty.prompt_message_id.is_not(None),
        )
        .limit(1)
    )
    return reached is None


async def consents(session: AsyncSession, guild_id: int, user_id: int) -> list[Consent]:
    stmt = (
        select(Consent)
        .where(Consent.guild_id == guild_id, Consent.user_id == user_id)
        .order_by(Consent.purpose, Consent.scope_id)
    )
    return list((await session.execute(stmt)).scalars())


async def _consent(
    session: AsyncSession, guild_id: int, user_id: int, purpose: Purpose, scope_id: int
) -> Consent | None:
    stmt = select(Consent).where(
        Consent.guild_id == guild_id,
        Consent.user_id == user_id,
        Consent.purpose == purpose.value,
        Consent.scope_id == scope_id,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


# --- what /privacy show tells ---------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    counts: dict[str, int]
    consents: list[Consent]
    left_at: datetime | None


async def overview(session: AsyncSession, guild_id: int, user_id: int) -> Overview:
    counts = {}
    for table in _tables():
        rows = await _rows_naming(session, table, guild_id, user_id)
        if table.name == "intro_parties":
            rows = [r for r in rows if r._mapping["user_id"] == user_id]
        if rows:
            counts[table.name] = len(rows)
    left = await departure(session, guild_id, user_id)
    return Overview(
        counts=counts, consents=await consents(session, guild_id, user_id), left_at=left.left_at if left else None
    )
