"""The engine, sessions per request, and the schema-version check at start-up."""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import AsyncIterator, Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from shared.config import Settings

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_BEGIN_OPTION = "sqlite_begin"
_HOLDS_WRITER_QUEUE = "holds_writer_queue"


class UnmigratedDatabaseError(RuntimeError):
    """The database is not at the newest migration; the server must not serve it."""


def create_db_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(
            url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
            pool_recycle=settings.db_pool_recycle,
            # A connection the server or a proxy closed while idle is replaced, not handed out.
            pool_pre_ping=settings.db_pool_pre_ping,
        )
    prepare_sqlite_file(settings.database_url)
    engine = create_engine(
        url,
        # The pool hands connections between threads; each is used by one request at a time.
        connect_args={"check_same_thread": False},
        # Reads run on the event loop here (Database.reads_inline), and a request gives its
        # connection back on the loop: waiting there for a free one would wait forever. A
        # SQLite connection is only an open file, so the pool keeps the configured total and
        # opens more rather than ever making anyone wait.
        pool_size=settings.db_pool_size + settings.db_max_overflow,
        max_overflow=-1,
    )
    _configure_sqlite(engine, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    return engine


def prepare_sqlite_file(database_url: str) -> None:
    """Create a file-backed SQLite database's missing folder (0700) and file (0600).

    Every path that opens the database calls this first (the server, the migrations, the
    operator commands): SQLite cannot create a folder, and the file it would create itself is
    world-readable, while it holds password hashes. Its -wal and -shm files take the same mode.
    Other databases, and SQLite in memory, are left alone.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    path = Path(url.database)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    # SQLite has one writer, and a writer that finds the lock taken polls for it with SQLite's
    # busy handler, sleeping longer each time (up to 100 ms a try): under a burst of writes the
    # unlucky ones lose to newcomers again and again, which made the refresh p99. Writers of
    # one worker therefore queue on a lock here and are woken as soon as the one before is
    # done; only writers of different workers still meet in SQLite's busy handler.
    writer_queue = threading.Lock()
    wait_seconds = busy_timeout_ms / 1000

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes fails at once with "database is
        # locked" when another writer committed in between; busy_timeout cannot help it.
        # Writers therefore take the write lock up front and queue politely for it.
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        record_info = connection.connection.record_info
        # The queue is only ever an optimisation: a writer that waited busy_timeout for it
        # goes on to BEGIN as before, so a lock somehow never given back slows, never hangs.
        queued = (
            mode == "IMMEDIATE"
            and _HOLDS_WRITER_QUEUE not in record_info
            and writer_queue.acquire(timeout=wait_seconds)
        )
        if queued:
            record_info[_HOLDS_WRITER_QUEUE] = True
        try:
            # Straight to the driver: through exec_driver_sql this BEGIN was a tenth of an
            # authenticated read (events, execution context, a result object for nothing).
            connection.connection.driver_connection.execute(f"BEGIN {mode}")
        except BaseException:
            _leave_writer_queue(record_info, writer_queue)
            raise

    # Given back when the connection goes back to the pool: after its commit or rollback, on
    # every path (a request's session closing, an exception, an invalidated connection, the
    # pool's own reset), or when the pool lets go of the connection altogether.
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        _leave_writer_queue(record.record_info, writer_queue)

    @event.listens_for(engine, "detach")
    def _on_detach(_dbapi_connection: Any, record: Any) -> None:
        _leave_writer_queue(record.record_info, writer_queue)


def _leave_writer_queue(record_info: dict[str, Any], writer_queue: threading.Lock) -> None:
    # pop is atomic: however many of the hooks above see one transaction end, one releases.
    if record_info.pop(_HOLDS_WRITER_QUEUE, False):
        writer_queue.release()


class Database:
    """An engine with a session factory for readers and one for writers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite is a library call on a local file, and in WAL mode a reader never waits for a
        # writer: a short read costs less on the event loop than a hop to a worker thread.
        # Elsewhere a query waits on the network, so it goes to a thread.
        self.reads_inline = engine.dialect.name == "sqlite"
        self.read_sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self.write_sessions = sessionmaker(
            bind=engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}),
            expire_on_commit=False,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(create_db_engine(settings))

    def dispose(self) -> None:
        self.engine.dispose()

    async def run_read(self, read: Callable[[], T]) -> T:
        """Runs a short read (or a session's close) where it is cheapest; see reads_inline."""
        if self.reads_inline:
            return read()
        return await anyio.to_thread.run_sync(read)


# Alembic is imported only where migrations are made: in a server it would cost every worker
# about 11 MB and a third of a second of start-up, for a check that reads two lines a file.


def alembic_config(database_url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    prepare_sqlite_file(database_url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")


_REVISION_LINE = re.compile(r"^(down_)?revision\b[^=\n]*=(.*)$", re.MULTILINE)
_REVISION_ID = re.compile(r"[\"']([^\"']+)[\"']")


@cache
def head_revision() -> str:
    """The newest migration, from the `revision` / `down_revision` lines of the migrations
    (tests/test_startup_footprint.py checks that Alembic names the same one)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for match in _REVISION_LINE.finditer(path.read_text(encoding="utf-8")):
            (parents if match[1] else revisions).update(_REVISION_ID.findall(match[2]))
    heads = revisions - parents
    if len(heads) != 1:
        raise UnmigratedDatabaseError(f"The migrations have {len(heads)} heads, not one.")
    return heads.pop()


def ensure_migrated(engine: Engine) -> None:
    """Refuse to serve a database whose schema is not the newest migration."""
    head = head_revision()
    with engine.connect() as connection:
        current = (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if inspect(connection).has_table("alembic_version")
            else None
        )
    if current != head:
        raise UnmigratedDatabaseError(
            f"The database is at migration {current or 'none (empty)'}, not {head}. "
            "Apply the migrations first: `make migrate` (alembic upgrade head)."
        )


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


# Async, so that FastAPI runs them on the event loop: a sync generator dependency costs two
# thread hops (enter and exit). Opening a session does no I/O; closing one may (a rollback).


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for a request that only reads."""
    database = get_database(request)
    session = database.read_sessions()
    try:
        yield session
    finally:
        await database.run_read(session.close)


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """A session for a request that writes: on SQLite it holds the write lock from its start."""
    database = get_database(request)
    session = database.write_sessions()
    try:
        yield session
    finally:
        await database.run_read(session.close)


SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]
