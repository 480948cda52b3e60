"""The engine and the Database: a session factory for readers and one for writers."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import anyio.to_thread
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from shared.config import Settings
from shared.db.direct import (
    DirectReader,
    EngineDirectReader,
    PostgresDirectReader,
    SqliteDirectReader,
)
from shared.db.sqlite import SQLITE_BEGIN_OPTION, _configure_sqlite

T = TypeVar("T")


def create_db_engine(settings: Settings) -> Engine:
    """The engine for the settings' database. Every engine hides its parameters
    (hide_parameters=True): a failed statement is logged, and its parameters may be a
    password hash or a refresh key."""
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
            hide_parameters=True,
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
        hide_parameters=True,
    )
    _configure_sqlite(engine, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    return engine


def _direct_reader(engine: Engine, settings: Settings) -> DirectReader | None:
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return SqliteDirectReader(engine, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg":
        return PostgresDirectReader(
            engine, max_connections=settings.db_pool_size, timeout=settings.db_pool_timeout
        )
    return None


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


class Database:
    """An engine with a session factory for readers and one for writers, and a direct reader
    for the reads every request makes (shared.db.direct)."""

    def __init__(self, engine: Engine, *, direct: DirectReader | None = None) -> None:
        self.engine = engine
        self.direct = direct or EngineDirectReader(engine.connect, on_thread=True)
        # SQLite is a library call on a local file, and in WAL mode a reader never waits for a
        # writer: a short read costs less on the event loop than a hop to a worker thread.
        # Elsewhere a query waits on the network, so it goes to a thread.
        self.reads_inline = engine.dialect.name == "sqlite"
        self.read_sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self.write_sessions = sessionmaker(
            bind=engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"}),
            expire_on_commit=False,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        engine = create_db_engine(settings)
        return cls(engine, direct=_direct_reader(engine, settings))

    def dispose(self) -> None:
        self.engine.dispose()

    async def close(self) -> None:
        """At shutdown: the direct reader's connections, then the engine's."""
        await self.direct.close()
        self.dispose()

    async def run_read(self, read: Callable[[], T]) -> T:
        """Runs a short read (or a session's close) where it is cheapest; see reads_inline."""
        if self.reads_inline:
            return read()
        return await anyio.to_thread.run_sync(read)
