"""The migrations build the schema, can be undone, and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect, text

import bot.db
from bot.db import Database, alembic_config, head_in, schema_head, script_head


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_downgrade_upgrade_on_empty_database(db_url):
    db = Database(db_url)
    try:
        await db.upgrade()
        assert {"members", "member_items", "alembic_version"} <= await _tables(db)
        await db.downgrade("base")
        assert await _tables(db) <= {"alembic_version"}
        await db.upgrade()
        assert {"members", "member_items"} <= await _tables(db)
        await db.check()  # raises when the models drift from the migrations
    finally:
        await db.dispose()


async def test_alembic_check_is_clean(db):
    await db.check()


# --- the head known without Alembic (start-up of every command) ---------------------------------


def test_the_head_read_from_the_files_is_alembics_head():
    """Fails when a migration's shape or the chain makes the quick reading disagree with Alembic."""
    assert schema_head() is not None, "migrations/versions/ is not in the plain shape head_in() reads"
    assert schema_head() == script_head()
    assert Database.head() == script_head()


def _migration(folder: Path, revision: str, down: str | None, *, labels: str = "None", depends: str = "None") -> None:
    parent = "None" if down is None else f'"{down}"'
    (folder / f"{revision}_step.py").write_text(
        f'"""step\n\nRevision ID: {revision}\nRevises: {down}\n"""\n\n'
        f'revision: str = "{revision}"\ndown_revision: str | None = {parent}\n'
        f"branch_labels: str | tuple[str, ...] | None = {labels}\ndepends_on: str | None = {depends}\n",
        encoding="utf-8",
    )


def test_head_in_reads_a_chain_and_gives_up_on_anything_else(tmp_path):
    (tmp_path / "__init__.py").write_text('revision = "not-a-migration"\n', encoding="utf-8")
    _migration(tmp_path, "0001", None)
    _migration(tmp_path, "0003", "0002")
    _migration(tmp_path, "0002", "0001")
    assert head_in(tmp_path) == "0003"  # the order of files and names does not matter

    _migration(tmp_path, "0004", "0002")
    assert head_in(tmp_path) is None  # two heads
    (tmp_path / "0004_step.py").write_text('revision = "0004"\ndown_revision = ("0002", "0003")\n', encoding="utf-8")
    assert head_in(tmp_path) is None  # a merge
    (tmp_path / "0004_step.py").unlink()
    _migration(tmp_path, "0004", "0003", labels='("side",)')
    assert head_in(tmp_path) is None  # a branch label
    _migration(tmp_path, "0004", "0003", depends='"0001"')
    assert head_in(tmp_path) is None  # a dependency
    _migration(tmp_path, "0004", "0009")
    assert head_in(tmp_path) is None  # a parent that does not exist
    _migration(tmp_path, "0004", "0003")
    assert head_in(tmp_path) == "0004"


async def _stored(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        return list((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())


async def test_upgrade_runs_alembic_only_when_the_database_is_behind(db_url, monkeypatch):
    head = script_head()
    assert head is not None
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head).down_revision
    assert isinstance(previous, str)
    real_upgrade = bot.db._upgrade
    runs: list[str] = []

    def counted(connection, revision: str) -> None:
        runs.append(revision)
        real_upgrade(connection, revision)

    monkeypatch.setattr(bot.db, "_upgrade", counted)
    db = Database(db_url)
    try:
        assert await db.revision() is None
        await db.upgrade()  # never migrated
        assert runs == ["head"] and await _stored(db) == [head]
        await db.upgrade()  # at head: Alembic is not asked
        assert runs == ["head"] and await db.revision() == head
        await db.downgrade(previous)
        assert await db.revision() == previous
        await db.upgrade()  # one behind
        assert runs == ["head", "head"] and await db.revision() == head
        await db.upgrade(head)  # an explicit revision always goes to Alembic
        assert runs == ["head", "head", head]
    finally:
        await db.dispose()


async def test_revision_reads_the_version_table_as_alembic_does(db):
    head = script_head()
    assert await db.revision() == head
    async with db.session() as session:
        await session.execute(text("DELETE FROM alembic_version"))
    assert await db.revision() is None
    async with db.session() as session:
        await session.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0001'), ('0002')"))
    with pytest.raises(CommandError, match="more than one head"):
        await db.revision()


async def test_connections_are_set_up_for_the_dialect(db, dialect):
    """SQLite: WAL, foreign keys and a busy timeout per connection; PostgreSQL: read committed."""
    assert db.dialect == dialect
    async with db.engine.connect() as conn:
        if dialect == "sqlite":
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one() >= 5000
        else:
            assert (await conn.execute(text("SHOW transaction_isolation"))).scalar_one() == "read committed"


async def test_deleting_a_member_deletes_their_items(db):
    async with db.session() as session:
        await session.execute(
            text(
                "INSERT INTO members (id, guild_id, user_id, name, locale, created_at, updated_at) "
                "VALUES (1, 1, 2, 'x', 'nl', '2026-01-01', '2026-01-01')"
            )
        )
        await session.execute(
            text(
                "INSERT INTO member_items (member_id, guild_id, kind, text, folded, created_at, updated_at) "
                "VALUES (1, 1, 'offer', 'tijd', 'tijd', '2026-01-01', '2026-01-01')"
            )
        )
    async with db.session() as session:
        await session.execute(text("DELETE FROM members WHERE id = 1"))
        assert (await session.execute(text("SELECT count(*) FROM member_items"))).scalar_one() == 0


async def test_a_failure_after_a_savepoint_rolls_back_the_whole_transaction(db):
    """Savepoints must not commit early on SQLite: a round and its proposals are one unit."""
    from sqlalchemy import select

    from models import IntroRound, utcnow

    class Boom(Exception):
        pass

    try:
        async with db.session() as session:
            async with session.begin_nested():
                session.add(IntroRound(guild_id=1, week="2026-W49", due_at=utcnow()))
                await session.flush()
            raise Boom
    except Boom:
        pass
    async with db.session() as session:
        assert (await session.execute(select(IntroRound))).first() is None
