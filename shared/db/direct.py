"""Direct reads: one prebuilt Core select straight on the driver, for the per-request checks.

Every authenticated request reads its session row (that is what makes revocation immediate).
Through an ORM Session that read paid for a session, a pool checkout (a ping, on PostgreSQL),
a transaction, a rollback and, on PostgreSQL, two hops to a worker thread: most of a request's
time. Here the statement is compiled once per dialect and sent as it is:

- SQLite: one connection of the worker's own, used on the event loop only. In WAL mode a read
  never waits for a writer, and a statement on an autocommit connection sees every commit made
  before it began.
- PostgreSQL: psycopg's async API on a small pool of autocommit connections, with server-side
  prepared statements and no thread hop; the reads that arrive in one turn of the event loop
  share one pipelined round trip. No ping on checkout: when a connection is found broken,
  the pool checks its idle ones and the read is tried again.
- Anything else: the same select through SQLAlchemy on a worker thread.

Rows come back as SQLAlchemy would return them (its result processors run on each column), so
callers never see a backend's own encoding of a timestamp or a boolean.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol

import anyio.to_thread
from sqlalchemy import Connection, Dialect, Engine, Select
from sqlalchemy.engine import URL

from shared.errors import ServiceUnavailableError

if TYPE_CHECKING:
    from psycopg_pool import AsyncConnectionPool

Row = tuple[Any, ...]


class DirectReader(Protocol):
    async def first(self, query: Select[Any], params: Mapping[str, Any]) -> Row | None:
        """The first row of the query with these parameters, or None."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    # The parameters in the order of the statement's placeholders (qmark style), or None where
    # the driver takes them by name.
    positions: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None
    # (column index, SQLAlchemy's result processor) for the columns that have one.
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    @classmethod
    def of(cls, query: Select[Any], dialect: Dialect) -> _Prepared:
        compiled = query.compile(dialect=dialect)
        names = compiled.positiontup
        processors = (
            (index, column.type.dialect_impl(dialect).result_processor(dialect, None))
            for index, column in enumerate(query.selected_columns)
        )
        return cls(
            sql=compiled.string,
            positions=_positional(names) if names is not None else None,
            processors=tuple((index, found) for index, found in processors if found is not None),
        )

    def parameters(self, params: Mapping[str, Any]) -> tuple[Any, ...] | Mapping[str, Any]:
        return params if self.positions is None else self.positions(params)

    def row(self, raw: Sequence[Any]) -> Row:
        if not self.processors:
            return tuple(raw)
        values = list(raw)
        for index, process in self.processors:
            if values[index] is not None:
                values[index] = process(values[index])
        return tuple(values)


def _positional(names: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    pick = itemgetter(*names)
    if len(names) == 1:
        return lambda params: (pick(params),)
    return pick  # itemgetter of several names gives a tuple


class _Statements:
    """Each query compiled once for a dialect, on first use."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._prepared: dict[int, tuple[Select[Any], _Prepared]] = {}

    def __getitem__(self, query: Select[Any]) -> _Prepared:
        # Keyed by identity: the queries are module-level constants, and the select is kept
        # beside its statement so an id is never reused while the entry lives.
        found = self._prepared.get(id(query))
        if found is None:
            found = (query, _Prepared.of(query, self._dialect))
            self._prepared[id(query)] = found
        return found[1]


class SqliteDirectReader:
    """The worker's own read-only SQLite connection, used on the event loop."""

    def __init__(self, engine: Engine, *, busy_timeout_ms: int) -> None:
        database = engine.url.database
        if not database or database == ":memory:":
            raise ValueError("direct reads need a SQLite file: a memory database is private")
        self._path = database
        self._busy_timeout_ms = busy_timeout_ms
        self._statements = _Statements(engine.dialect)
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self._path, isolation_level=None, check_same_thread=False, cached_statements=64
        )
        connection.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
        # It only ever reads: a mistake here cannot write.
        connection.execute("PRAGMA query_only=ON")
        return connection

    async def first(self, query: Select[Any], params: Mapping[str, Any]) -> Row | None:
        prepared = self._statements[query]
        connection = self._connection
        if connection is None:
            connection = self._connection = self._connect()
        raw = connection.execute(prepared.sql, prepared.parameters(params)).fetchone()
        return None if raw is None else prepared.row(raw)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# Reads batched into one round trip at the most: enough for every connection a worker has.
_BATCH_LIMIT = 64


@dataclass(slots=True)
class _Waiting:
    params: Mapping[str, Any]
    result: asyncio.Future[Row | None]


class PostgresDirectReader:
    """A pool of async psycopg connections in autocommit, opened on first use.

    Reads of one query that arrive in the same turn of the event loop go to the server
    together, in one pipelined executemany: psycopg costs about 115 us of CPU a query sent
    alone and about 20 us a query sent in a batch, and a worker under load is bound by
    exactly that CPU. Each read still waits for its own row, read after its request came.
    """

    def __init__(self, engine: Engine, *, max_connections: int, timeout: float) -> None:
        self._statements = _Statements(engine.dialect)
        self._conninfo = libpq_url(engine.url)
        self._max_connections = max_connections
        self._timeout = timeout
        self._pool: AsyncConnectionPool | None = None
        self._waiting: dict[int, tuple[_Prepared, list[_Waiting]]] = {}
        self._batches: set[asyncio.Task[None]] = set()

    async def _opened_pool(self) -> AsyncConnectionPool:
        from psycopg_pool import AsyncConnectionPool  # only a PostgreSQL deployment loads it

        if self._pool is None:
            pool = AsyncConnectionPool(
                self._conninfo,
                min_size=1,
                max_size=self._max_connections,
                timeout=self._timeout,
                # A server-side prepared statement from the first execution on a connection.
                kwargs={"autocommit": True, "prepare_threshold": 0},
                open=False,
            )
            # Opening is safe to repeat, so two first requests racing here do no harm.
            self._pool = pool
            await pool.open()
        return self._pool

    async def first(self, query: Select[Any], params: Mapping[str, Any]) -> Row | None:
        prepared = self._statements[query]
        loop = asyncio.get_running_loop()
        waiting = _Waiting(params, loop.create_future())
        queued = self._waiting.get(id(prepared))
        if queued is None:
            self._waiting[id(prepared)] = (prepared, [waiting])
            # Sent once every request task that is ready now has run up to its read.
            loop.call_soon(self._send, id(prepared))
        else:
            queued[1].append(waiting)
        return await waiting.result

    def _send(self, key: int) -> None:
        prepared, waiting = self._waiting.pop(key)
        for start in range(0, len(waiting), _BATCH_LIMIT):
            task = asyncio.create_task(
                self._read_batch(prepared, waiting[start : start + _BATCH_LIMIT])
            )
            # Held until done: the loop keeps only a weak reference to a task.
            self._batches.add(task)
            task.add_done_callback(self._batches.discard)

    async def _read_batch(self, prepared: _Prepared, waiting: list[_Waiting]) -> None:
        try:
            rows = await self._rows(prepared, [entry.params for entry in waiting])
        except BaseException as exc:
            for entry in waiting:
                if not entry.result.done():
                    entry.result.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for entry, row in zip(waiting, rows, strict=True):
            # A waiter whose request was cancelled (its client went away) is done already.
            if not entry.result.done():
                entry.result.set_result(row)

    async def _rows(self, prepared: _Prepared, batch: list[Mapping[str, Any]]) -> list[Row | None]:
        from psycopg import OperationalError
        from psycopg_pool import PoolTimeout

        pool = await self._opened_pool()
        for attempt in (1, 2):
            try:
                async with pool.connection() as connection:
                    cursor = connection.cursor()
                    await cursor.executemany(
                        prepared.sql,
                        [prepared.parameters(params) for params in batch],
                        returning=True,
                    )
                    found: list[Row | None] = []
                    while True:
                        raw = await cursor.fetchone()
                        found.append(None if raw is None else prepared.row(raw))
                        if not cursor.nextset():
                            return found
            except PoolTimeout:
                raise ServiceUnavailableError("The database does not answer.") from None
            except OperationalError:
                # A connection broke: a restarted server, or an idle one a proxy closed. Its
                # idle siblings likely went with it, so the pool checks them all (this once,
                # not on every checkout) and the reads are tried again on a good one. A
                # second failure is an outage.
                if attempt == 2:
                    raise ServiceUnavailableError("The database does not answer.") from None
                await pool.check()
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        if self._batches:
            await asyncio.gather(*self._batches, return_exceptions=True)
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


class EngineDirectReader:
    """The select through SQLAlchemy: for other backends (on a worker thread), and for tests,
    whose reads must see their own uncommitted transaction (`connect` then hands out theirs)."""

    def __init__(
        self, connect: Callable[[], AbstractContextManager[Connection]], *, on_thread: bool
    ) -> None:
        self._connect = connect
        self._on_thread = on_thread

    def _read(self, query: Select[Any], params: Mapping[str, Any]) -> Row | None:
        with self._connect() as connection:
            found = connection.execute(query, dict(params)).one_or_none()
            return None if found is None else tuple(found)

    async def first(self, query: Select[Any], params: Mapping[str, Any]) -> Row | None:
        if self._on_thread:
            return await anyio.to_thread.run_sync(self._read, query, params)
        return self._read(query, params)

    async def close(self) -> None:
        return None


def libpq_url(url: URL) -> str:
    """The SQLAlchemy URL as libpq takes it (`postgresql://...`), password and options kept."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
