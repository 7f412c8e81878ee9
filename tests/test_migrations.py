"""The migrations build the schema, can be undone, and match the models."""

from __future__ import annotations

from sqlalchemy import inspect, text

from bot.db import Database


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
