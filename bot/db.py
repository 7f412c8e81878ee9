"""Engine and session factories, built from settings. No module-level engine."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

import migrations

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent
SQLITE_BUSY_TIMEOUT_MS = 10_000
# How often a unit of work is tried when SQLite refuses it because another one wrote meanwhile.
SQLITE_ATTEMPTS = 5

T = TypeVar("T")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling would let RELEASE SAVEPOINT commit the whole
    # transaction; SQLAlchemy emits BEGIN itself instead (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Execution option that marks the connections of :meth:`Database.read` sessions.
READ_ONLY = "verbinder_read_only"


def _sqlite_begin(connection: Connection) -> None:
    # A deferred transaction that reads first and writes later cannot upgrade its lock once
    # another connection wrote in between: SQLite fails at once with "database is locked",
    # whatever the busy timeout. Write transactions therefore take the write lock when they
    # begin (waiting up to the busy timeout for it); read-only sessions stay deferred so they
    # never wait for a writer (WAL lets them read beside it).
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


PG_CONNECT_TIMEOUT_S = 10


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if make_url(url).get_backend_name() == "postgresql":
        # An unreachable server fails within seconds (asyncpg waits a minute by default);
        # connections the server dropped (a restart, a failover) are replaced, not used.
        kwargs.setdefault("pool_pre_ping", True)
        if make_url(url).get_driver_name() == "asyncpg":
            kwargs["connect_args"] = {"timeout": PG_CONNECT_TIMEOUT_S, **kwargs.get("connect_args", {})}
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def quiet_alembic() -> None:
    """Keep Alembic's set-up chatter (plugins, context) out of INFO logs; migrations still show."""

    class _Chatter(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return not record.getMessage().startswith(("Context impl", "Will assume"))

    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    migration = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, _Chatter) for f in migration.filters):
        migration.addFilter(_Chatter())


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def _downgrade(connection: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, revision)


def _check(connection: Connection) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.check(cfg)


class Database:
    """Owns one engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Same pool; its transactions begin deferred on SQLite (see _sqlite_begin).
        self.read_engine = self.engine.execution_options(**{READ_ONLY: True})
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits on success, rolls back on any error."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session that only reads: never blocks or waits for a writer; rolled back at the end.

        On SQLite it begins deferred (see ``_sqlite_begin``); a write in it may fail with
        "database is locked", so anything that writes uses :meth:`session`.
        """
        async with self.read_sessionmaker() as session:
            yield session  # closing the session rolls its transaction back

    async def ping(self) -> None:
        """Connect once: raises when the database cannot be reached or opened."""
        async with self.read_engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def has_table(self, name: str) -> bool:
        async with self.read_engine.connect() as conn:
            return bool(await conn.run_sync(lambda c: inspect(c).has_table(name)))

    async def revision(self) -> str | None:
        """The schema revision the database is at (None: not migrated yet)."""
        async with self.read_engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())

    @staticmethod
    def head() -> str | None:
        return ScriptDirectory.from_config(alembic_config()).get_current_head()

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run ``work`` as one unit of work; on SQLite, try it again when another unit wrote meanwhile.

        A SQLite transaction that read before it writes cannot take the write lock once another
        connection has written since its first read: SQLite answers "database is locked" at once,
        without waiting (the busy timeout does not apply). The whole unit is rolled back and tried
        afresh. ``work`` must only touch the database (no Discord calls), so running it again is safe.
        Use this for work that must not be lost, such as recording that a member left.
        """
        for attempt in range(1, SQLITE_ATTEMPTS + 1):
            try:
                async with self.session() as session:
                    return await work(session)
            except OperationalError as exc:
                if self.dialect != "sqlite" or "locked" not in str(exc.orig) or attempt == SQLITE_ATTEMPTS:
                    raise
            await asyncio.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    async def upgrade(self, revision: str = "head") -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade, revision)

    async def downgrade(self, revision: str) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_downgrade, revision)

    async def check(self) -> None:
        """Raise ``alembic.util.CommandError`` when the models drift from the migrations."""
        async with self.engine.connect() as conn:
            await conn.run_sync(_check)

    async def dispose(self) -> None:
        await self.engine.dispose()


def ensure_sqlite_dir(url: str) -> None:
    """Create the parent folder of a SQLite file so a fresh checkout just works."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
