"""SQLite tuning: pragmas, BEGIN IMMEDIATE for writers, one writer queue per worker."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, event

SQLITE_BEGIN_OPTION = "sqlite_begin"


_HOLDS_WRITER_QUEUE = "holds_writer_queue"


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
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
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
            # Straight to the driver: exec_driver_sql would add events, an execution context
            # and a result object, for a statement that returns nothing.
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
