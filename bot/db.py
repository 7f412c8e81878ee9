"""Engine and session factories, built from settings. No module-level engine."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, event, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

import migrations

if TYPE_CHECKING:
    # Alembic is imported where a migration, a check or its own head lookup runs: importing it
    # costs about a quarter of a second at every start of the ``verbinder`` command.
    from alembic.config import Config

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
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def _downgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, revision)


def _check(connection: Connection) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.check(cfg)


VERSION_TABLE = "alembic_version"
# The lines Alembic's template writes in a migration file (see migrations/script.py.mako).
_REVISION_LINE = re.compile(r'^revision(?:: [^=\n]+)? = "([^"\n]+)"$', re.MULTILINE)
_DOWN_REVISION_LINE = re.compile(r'^down_revision(?:: [^=\n]+)? = (?:None|"([^"\n]+)")$', re.MULTILINE)
_NONE_LINES = (
    re.compile(r"^branch_labels\b.*$", re.MULTILINE),
    re.compile(r"^depends_on\b.*$", re.MULTILINE),
)
# Files Alembic reads as revisions (alembic.script.base._only_source_rev_file).
_REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")


@functools.cache
def schema_head() -> str | None:
    """The newest migration, read from the files in migrations/versions/ without Alembic.

    Importing Alembic and loading every migration costs more than the rest of a short
    command, so ``Database.upgrade`` asks this first. None when :func:`head_in` cannot
    tell: callers then ask Alembic. tests/test_migrations.py keeps this equal to Alembic's head.
    """
    return head_in(MIGRATIONS_DIR / "versions")


def head_in(versions: Path) -> str | None:
    """The one head of the migration files in ``versions``, read as text.

    None whenever a file is not in the plain shape Alembic's template writes (one ``revision``,
    a single or no ``down_revision``, no branch labels or dependencies), a revision names a
    parent that is missing, or the revisions do not end in exactly one head.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.iterdir()):
        if not path.is_file() or not _REVISION_FILE.match(path.name):
            continue
        source = path.read_text(encoding="utf-8")
        revision = _REVISION_LINE.findall(source)
        down = _DOWN_REVISION_LINE.findall(source)
        if len(revision) != 1 or len(down) != 1 or revision[0] in revisions:
            return None
        for line in _NONE_LINES:
            if any(not found.endswith("= None") for found in line.findall(source)):
                return None
        revisions.add(revision[0])
        if down[0]:
            parents.add(down[0])
    heads = revisions - parents
    if len(heads) != 1 or not parents <= revisions:
        return None
    return heads.pop()


def script_head() -> str | None:
    """Alembic's own answer: loads Alembic and every migration file."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


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

    async def _stored_revisions(self) -> list[str] | None:
        """The rows of Alembic's version table; None when there is no such table (never migrated)."""

        def stored(connection: Connection) -> list[str] | None:
            if not inspect(connection).has_table(VERSION_TABLE):
                return None
            return list(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())

        async with self.read_engine.connect() as conn:
            return await conn.run_sync(stored)

    async def revision(self) -> str | None:
        """The schema revision the database is at (None: not migrated yet)."""
        stored = await self._stored_revisions()
        if stored is None or len(stored) <= 1:
            return stored[0] if stored else None

        def several(connection: Connection) -> str | None:
            from alembic.runtime.migration import MigrationContext

            return MigrationContext.configure(connection).get_current_revision()  # raises, naming the heads

        async with self.read_engine.connect() as conn:
            return await conn.run_sync(several)

    @staticmethod
    def head() -> str | None:
        """The newest schema revision this version of Verbinder knows."""
        return schema_head() or script_head()

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
        if revision == "head" and (head := schema_head()) is not None and await self._stored_revisions() == [head]:
            return  # already at head: nothing for Alembic to do, so it is not even imported
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


async def plain_rows(
    session: AsyncSession, statement: Select[*tuple[Any, ...]], batch: int = 20_000
) -> AsyncIterator[Sequence[tuple[Any, ...]]]:
    """The rows of ``statement`` in batches of plain tuples, for reading a whole server at once.
    On SQLite straight from the driver: at a million rows SQLAlchemy's result objects cost more
    than the query. Columns and parameters get no type processing there, so use only
    plain ones (integers, strings)."""
    conn = await session.connection()
    if conn.dialect.name != "sqlite":
        result = await session.stream(statement.execution_options(yield_per=batch))
        async for part in result.partitions():
            yield [tuple(row) for row in part]
        return
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    cursor = await driver.execute(compiled.string, [params[name] for name in compiled.positiontup or ()])
    try:
        while part := await cursor.fetchmany(batch):
            yield part
    finally:
        await cursor.close()
