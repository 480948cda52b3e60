"""The direct reader behind every request's session check, on the real backend of the run.

What it promises: the row SQLAlchemy would return (aware UTC datetimes, real booleans), a
commit made on any other connection seen by the very next read (revocation is immediate),
and on PostgreSQL a connection the server dropped replaced without a failed request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine, create_engine, insert, update

from shared.accounts.principal import _AUTH_QUERY
from shared.db.direct import DirectReader, EngineDirectReader, PostgresDirectReader, Row
from shared.db.engine import Database
from shared.db.models import AuthSession, User, email_key, utcnow
from shared.db.schema import upgrade_to_head
from shared.errors import ServiceUnavailableError
from tests.fixtures import drop_database, make_settings, new_database_url, on_postgres

T = TypeVar("T")
CREATED = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A migrated database of the run's backend, with the production direct reader."""
    url = new_database_url(tmp_path, "direct")
    upgrade_to_head(url)
    database = Database.from_settings(make_settings(tmp_path, database_url=url))
    yield database
    database.dispose()
    drop_database(url)


def on_one_loop(reader: DirectReader, body: Callable[[], Awaitable[T]]) -> T:
    """Runs body, then closes the reader, on one event loop: as a worker's lifespan does (a
    pool's connections belong to the loop that opened them)."""

    async def body_then_close() -> T:
        try:
            return await body()
        finally:
            await reader.close()

    return asyncio.run(body_then_close())


def seed_session(engine: Engine, *, number: int = 0) -> dict[str, object]:
    """A committed user and live session; the parameters the auth query takes for them."""
    email = f"direct{number}@example.com"
    with engine.begin() as connection:
        user_id = connection.execute(
            insert(User).returning(User.id),
            {
                "email": email,
                "email_key": email_key(email),
                "full_name": None,
                "hashed_password": "$2b$04$" + "x" * 53,
                "role": "admin",
                "is_active": True,
                "email_verified": True,
                "created_at": CREATED,
                "updated_at": CREATED,
                "version": 3,
            },
        ).scalar_one()
        session_id = f"session-{number}"
        connection.execute(
            insert(AuthSession),
            {
                "id": session_id,
                "user_id": user_id,
                "refresh_key": b"k" * 32,
                "generation": 0,
                "created_at": CREATED,
                "expires_at": utcnow() + timedelta(hours=1),
            },
        )
    return {"session_id": session_id, "user_id": user_id}


def read(reader: DirectReader, params: dict[str, object]) -> Row | None:
    return on_one_loop(reader, lambda: reader.first(_AUTH_QUERY, params))


def test_the_production_reader_is_the_backends_own(database: Database) -> None:
    expected = "PostgresDirectReader" if on_postgres() else "SqliteDirectReader"
    assert type(database.direct).__name__ == expected


def test_a_row_reads_as_sqlalchemy_returns_it(database: Database) -> None:
    params = seed_session(database.engine)
    through_sqlalchemy = read(EngineDirectReader(database.engine.connect, on_thread=True), params)

    row = read(database.direct, params)

    assert row == through_sqlalchemy
    assert row is not None
    revoked_at, expires_at, user_id, email, full_name, *_, created_at, _updated, version = row
    assert revoked_at is None
    assert expires_at.tzinfo is not None
    assert expires_at.utcoffset() == timedelta(0)
    assert (user_id, email, full_name, version) == (
        params["user_id"],
        "direct0@example.com",
        None,
        3,
    )
    assert created_at == CREATED
    assert [type(value) for value in row[7:9]] == [bool, bool]


def test_an_unknown_session_or_a_session_of_another_user_reads_nothing(
    database: Database,
) -> None:
    params = seed_session(database.engine)
    other = seed_session(database.engine, number=1)
    assert read(database.direct, {**params, "session_id": "no-such-session"}) is None
    assert read(database.direct, {**params, "user_id": other["user_id"]}) is None


def test_a_revocation_committed_elsewhere_shows_on_the_next_read(database: Database) -> None:
    params = seed_session(database.engine)

    async def read_revoke_read() -> tuple[Row | None, Row | None]:
        before = await database.direct.first(_AUTH_QUERY, params)
        with database.engine.begin() as connection:
            connection.execute(
                update(AuthSession)
                .where(AuthSession.id == params["session_id"])
                .values(revoked_at=utcnow())
            )
        return before, await database.direct.first(_AUTH_QUERY, params)

    before, after = on_one_loop(database.direct, read_revoke_read)
    assert before is not None
    assert before[0] is None
    assert after is not None
    assert after[0] is not None


def test_fifty_concurrent_reads_each_get_their_own_row(database: Database) -> None:
    # On PostgreSQL these go to the server in batches: each must still get its own answer,
    # the unknown sessions among them none.
    seeded = [seed_session(database.engine, number=number) for number in range(5)]
    unknown = {"session_id": "no-such-session", "user_id": seeded[0]["user_id"]}
    asked = [unknown if i % 7 == 3 else seeded[i % 5] for i in range(50)]

    async def read_all() -> list[Row | None]:
        return await asyncio.gather(*(database.direct.first(_AUTH_QUERY, p) for p in asked))

    rows = on_one_loop(database.direct, read_all)
    assert [row[2] if row else None for row in rows] == [
        None if params is unknown else params["user_id"] for params in asked
    ]


@pytest.mark.skipif(not on_postgres(), reason="a SQLite read is done before it could be cancelled")
def test_a_read_whose_request_went_away_leaves_the_others_theirs(database: Database) -> None:
    params = seed_session(database.engine)

    async def cancel_one_of_three() -> list[Row | BaseException | None]:
        reads = [asyncio.create_task(database.direct.first(_AUTH_QUERY, params)) for _ in range(3)]
        await asyncio.sleep(0)
        reads[1].cancel()
        return await asyncio.gather(*reads, return_exceptions=True)

    first, cancelled, last = on_one_loop(database.direct, cancel_one_of_three)
    assert isinstance(cancelled, asyncio.CancelledError)
    assert isinstance(first, tuple)
    assert first == last


def test_the_reader_reads_again_after_it_was_closed(database: Database) -> None:
    params = seed_session(database.engine)

    async def read_close_read() -> tuple[Row | None, Row | None]:
        first = await database.direct.first(_AUTH_QUERY, params)
        await database.direct.close()
        return first, await database.direct.first(_AUTH_QUERY, params)

    first, second = on_one_loop(database.direct, read_close_read)
    assert first is not None
    assert first == second


@pytest.mark.skipif(not on_postgres(), reason="SQLite has no server to drop a connection")
def test_a_connection_the_server_dropped_costs_no_request(database: Database) -> None:
    params = seed_session(database.engine)

    async def read_kill_read() -> tuple[Row | None, Row | None, int]:
        before = await database.direct.first(_AUTH_QUERY, params)
        with database.engine.begin() as connection:
            killed = connection.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalar_one()
        return before, await database.direct.first(_AUTH_QUERY, params), killed

    before, after, killed = on_one_loop(database.direct, read_kill_read)
    assert killed >= 1
    assert before is not None
    assert before == after


@pytest.mark.skipif(not on_postgres(), reason="a PostgreSQL server that does not answer")
def test_a_database_that_does_not_answer_is_a_503_not_a_hang(database: Database) -> None:
    nothing_listens = create_engine(database.engine.url.set(host="127.0.0.1", port=1))
    reader = PostgresDirectReader(nothing_listens, max_connections=2, timeout=1.0)

    with pytest.raises(ServiceUnavailableError):
        read(reader, {"session_id": "s", "user_id": 1})
