"""Writing validated rows with bulk Core statements: a handful of queries per chunk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.importer.parsing import (
    BIGINT_MAX,
    CHUNK_SIZE,
    DELETE_BATCH,
    LOCALES,
    PROFILE_FIELDS,
    SQLITE_CACHE_KIB,
    ImportReport,
    Item,
    MemberRow,
    ParsedRow,
    RowError,
)
from models import Consent, ConsentVia, ItemKind, Member, MemberItem, Purpose, utcnow

if TYPE_CHECKING:
    from bot.db import Database


# --- writing (bulk) ---------------------------------------------------------------------


def _insert(dialect: str, table: Any) -> sqlite.Insert | postgresql.Insert:
    if dialect == "sqlite":
        return sqlite.insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table)
    raise ValueError(f"importing members supports SQLite and PostgreSQL, not {dialect}")


def member_upsert(dialect: str, columns: frozenset[str]) -> sqlite.Insert | postgresql.Insert:
    """Insert members, or set the fields the file has on the ones that exist."""
    members = Member.__table__
    stmt = _insert(dialect, members)
    update = {f: stmt.excluded[f] for f in PROFILE_FIELDS if f in columns}
    return stmt.on_conflict_do_update(
        index_elements=[members.c.guild_id, members.c.user_id],
        # ON CONFLICT skips the column's onupdate: the timestamp is set explicitly.
        set_={**update, "updated_at": stmt.excluded.updated_at},
    )


def item_upsert(dialect: str) -> sqlite.Insert | postgresql.Insert:
    """Insert items; an item whose spelling changed is renamed in place, keeping its id."""
    items = MemberItem.__table__
    stmt = _insert(dialect, items)
    return stmt.on_conflict_do_update(
        index_elements=[items.c.member_id, items.c.kind, items.c.folded],
        set_={"text": stmt.excluded.text, "updated_at": stmt.excluded.updated_at},
    )


async def import_members(
    target: Database | AsyncEngine,
    guild_id: int,
    rows: Iterable[ParsedRow],
    default_locale: str,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> ImportReport:
    """Write the valid rows into server ``guild_id`` in chunks; collect the rejected ones."""
    if not 0 < guild_id <= BIGINT_MAX:
        raise ValueError(f"not a server id: {guild_id}")
    if default_locale not in LOCALES:
        raise ValueError(f"unsupported default locale {default_locale!r}")
    engine = target if isinstance(target, AsyncEngine) else target.engine
    report = ImportReport()
    seen: set[int] = set()
    chunk: list[MemberRow] = []
    for row in rows:
        if isinstance(row, RowError):
            report.rejected.append((row.line, row.reason))
            continue
        if row.user_id in seen:  # parse_members reports this already; guards hand-built rows
            report.rejected.append((row.line, f"discord_id {row.user_id} appears twice"))
            continue
        seen.add(row.user_id)
        report.warnings.extend((row.line, warning) for warning in row.warnings)
        chunk.append(row)
        if len(chunk) >= chunk_size:
            await _write_chunk(engine, guild_id, chunk, default_locale, report)
            chunk = []
    if chunk:
        await _write_chunk(engine, guild_id, chunk, default_locale, report)
    return report


def _profile_values(row: MemberRow, default_locale: str) -> dict[str, Any]:
    return {
        "name": row.name,
        "sector": row.sector,
        "organisation": row.organisation,
        "region": row.region,
        "locale": row.locale or default_locale,
    }


def _wanted_items(row: MemberRow) -> Iterator[tuple[str, tuple[Item, ...]]]:
    if "offers" in row.columns:
        yield ItemKind.OFFER.value, row.offers
    if "needs" in row.columns:
        yield ItemKind.NEED.value, row.needs


async def _write_chunk(
    engine: AsyncEngine, guild_id: int, rows: list[MemberRow], default_locale: str, report: ImportReport
) -> None:
    members, items = Member.__table__, MemberItem.__table__
    # Core inserts would apply the columns' default per row, but ON CONFLICT DO UPDATE skips
    # onupdate: one explicit timestamp per chunk serves both.
    now = utcnow()
    async with engine.begin() as conn:
        dialect = conn.dialect.name
        if dialect == "sqlite":
            await conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        found = await conn.execute(
            select(members.c.id, members.c.user_id, *(members.c[f] for f in PROFILE_FIELDS)).where(
                members.c.guild_id == guild_id, members.c.user_id.in_([r.user_id for r in rows])
            )
        )
        existing = {m.user_id: m for m in found}
        current: dict[int, dict[tuple[str, str], tuple[int, str]]] = {}
        if existing:
            found_items = await conn.execute(
                select(items.c.id, items.c.member_id, items.c.kind, items.c.text, items.c.folded).where(
                    items.c.member_id.in_([m.id for m in existing.values()])
                )
            )
            for item in found_items:
                current.setdefault(item.member_id, {})[(item.kind, item.folded)] = (item.id, item.text)

        # Rows to upsert, grouped by the file's columns: those decide what an update may set.
        upserts: dict[frozenset[str], list[dict[str, Any]]] = {}
        new_rows: list[MemberRow] = []
        removed: list[int] = []
        item_values: list[dict[str, Any]] = []
        for row in rows:
            values = _profile_values(row, default_locale)
            old = existing.get(row.user_id)
            if old is None:
                new_rows.append(row)
                report.created += 1
            else:
                changed = any(getattr(old, f) != values[f] for f in PROFILE_FIELDS if f in row.columns)
                have = current.get(old.id, {})
                for kind, wanted in _wanted_items(row):
                    wanted_keys = {folded for _text, folded in wanted}
                    for (item_kind, folded), (item_id, _text) in have.items():
                        if item_kind == kind and folded not in wanted_keys:
                            removed.append(item_id)
                            changed = True
                    for text, folded in wanted:
                        kept = have.get((kind, folded))
                        if kept is None or kept[1] != text:
                            item_values.append(_item(old.id, guild_id, kind, text, folded, now))
                            changed = True
                if not changed:
                    report.unchanged += 1
                    continue
                report.updated += 1
            upserts.setdefault(row.columns, []).append(
                {
                    "guild_id": guild_id,
                    "user_id": row.user_id,
                    **values,
                    # Only applies to new members: the upsert never updates this column.
                    "intro_joined": True,
                    "created_at": now,
                    "updated_at": now,
                }
            )

        for columns, batch in upserts.items():
            await conn.execute(member_upsert(dialect, columns), batch)

        if new_rows:
            # Ids of the members just created; one query instead of RETURNING per row.
            created = await conn.execute(
                select(members.c.user_id, members.c.id).where(
                    members.c.guild_id == guild_id, members.c.user_id.in_([r.user_id for r in new_rows])
                )
            )
            ids: dict[int, int] = dict(created.all())
            for row in new_rows:
                for kind, wanted in _wanted_items(row):
                    item_values.extend(_item(ids[row.user_id], guild_id, kind, t, f, now) for t, f in wanted)
            # Imported members join introductions: recorded as consent given by the operator's import.
            await conn.execute(
                _insert(dialect, Consent.__table__).on_conflict_do_nothing(),
                [
                    {
                        "guild_id": guild_id,
                        "user_id": row.user_id,
                        "purpose": Purpose.INTRODUCTIONS.value,
                        "scope_id": 0,
                        "via": ConsentVia.IMPORT.value,
                        "given_at": now,
                    }
                    for row in new_rows
                ],
            )

        for start in range(0, len(removed), DELETE_BATCH):
            await conn.execute(delete(MemberItem).where(MemberItem.id.in_(removed[start : start + DELETE_BATCH])))

        if item_values:
            await conn.execute(item_upsert(dialect), item_values)


def _item(member_id: int, guild_id: int, kind: str, text: str, folded: str, now: datetime) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "guild_id": guild_id,
        "kind": kind,
        "text": text,
        "folded": folded,
        "created_at": now,
        "updated_at": now,
    }
