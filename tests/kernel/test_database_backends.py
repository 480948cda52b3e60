"""The same code on SQLite and PostgreSQL: engine settings, migrations, constraints, big ids."""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, create_engine, inspect, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from main import create_app
from shared.db.engine import Database, create_db_engine
from shared.db.models import Base, User
from shared.db.schema import alembic_config, upgrade_to_head
from tests.factories import UserFactory
from tests.fixtures import (
    WHOAMI_PATH,
    Tokens,
    drop_database,
    make_settings,
    new_database_url,
    on_postgres,
)

PG_URL = "postgresql+psycopg://app:secret@db.internal:5432/auth"


def test_suite_runs_on_the_backend_it_was_asked_for(engine: Engine) -> None:
    # Guards the PostgreSQL pass against silently testing SQLite again.
    assert engine.dialect.name == ("postgresql" if on_postgres() else "sqlite")


def test_pool_settings_reach_the_postgres_engine(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        database_url=PG_URL,
        db_pool_size=7,
        db_max_overflow=3,
        db_pool_timeout=4.5,
        db_pool_recycle=600,
        db_pool_pre_ping=False,
    )
    engine = create_db_engine(settings)
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    assert engine.dialect.driver == "psycopg"
    assert pool.size() == 7
    assert pool._max_overflow == 3
    assert pool.timeout() == 4.5
    assert pool._recycle == 600
    assert pool._pre_ping is False
    engine.dispose()


def test_postgres_pings_connections_before_use_by_default(tmp_path: Path) -> None:
    engine = create_db_engine(make_settings(tmp_path, database_url=PG_URL))
    assert engine.pool._pre_ping is True
    engine.dispose()


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_bare_postgres_url_runs_on_psycopg_3(tmp_path: Path, scheme: str) -> None:
    settings = make_settings(tmp_path, database_url=f"{scheme}://app@db.internal/auth")
    assert settings.database_url == "postgresql+psycopg://app@db.internal/auth"


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("db_pool_size", 0),
        ("db_max_overflow", -1),
        ("db_pool_timeout", 0),
        ("database_url", "not a url"),
        ("trusted_proxies", "10.0.0.1,proxy.internal"),
        ("web_concurrency", 0),
    ],
)
def test_bad_database_and_server_settings_stop_start_up(
    tmp_path: Path, setting: str, value: object
) -> None:
    with pytest.raises(ValidationError):
        make_settings(tmp_path, **{setting: value})


def test_migrations_build_the_model_and_downgrade_cleanly(tmp_path: Path) -> None:
    url = new_database_url(tmp_path, "migrations")
    try:
        upgrade_to_head(url)
        engine = create_engine(url)
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            assert differences == []
            indexes = {index["name"]: index for index in inspect(connection).get_indexes("users")}
            assert indexes["ix_users_email_key"]["unique"]
        command.downgrade(alembic_config(url), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()
    finally:
        drop_database(url)


def test_database_refuses_a_second_user_with_the_same_email_key(db_session: Session) -> None:
    UserFactory.create(email="twin@example.com")
    with pytest.raises(IntegrityError):
        UserFactory.create(email="twin@example.com")
    db_session.rollback()
    found = db_session.scalars(select(User).where(User.email_key == "twin@example.com")).all()
    assert len(found) == 1


def test_largest_id_is_stored_and_read_back(db_session: Session) -> None:
    # Path parameters allow up to 2**63-1; the column must hold it on every backend.
    UserFactory.create(id=2**63 - 1)
    assert db_session.get(User, 2**63 - 1) is not None


def _id_routes() -> list[tuple[str, str]]:
    """Every operation with an integer path parameter, from the OpenAPI document."""
    document = create_app(make_settings(Path(tempfile.gettempdir()))).openapi()
    routes = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            if any(p["in"] == "path" and p["schema"].get("type") == "integer" for p in parameters):
                routes.append((method.upper(), path))
    return routes


@pytest.mark.parametrize(("method", "path"), _id_routes())
@pytest.mark.parametrize("value", [0, -1, 2**63 - 1, 2**63, 2**64, 10**30])
def test_no_id_in_a_path_causes_a_500(
    client: TestClient,
    admin: User,
    login_as: Callable[[User], Tokens],
    method: str,
    path: str,
    value: int,
) -> None:
    url = re.sub(r"\{[^}]+\}", str(value), path)
    response = client.request(method, url, headers=login_as(admin).headers)
    assert response.status_code < 500, response.text
    if not 1 <= value <= 2**63 - 1:
        # 404 where the path converter refuses a minus sign, 422 where Path(ge, le) refuses.
        assert response.status_code in {404, 422}


NUL = "a\x00b"


def test_nul_bytes_in_text_fields_are_refused_not_500(
    client: TestClient, admin: User, login_as: Callable[[User], Tokens]
) -> None:
    """PostgreSQL cannot store NUL in text; every text a client sends is checked before SQL."""
    headers = login_as(admin).headers
    attempts = [
        client.post(
            "/api/users", json={"email": "n@example.com", "password": "x" * 12, "full_name": NUL}
        ),
        client.put(f"/api/users/{admin.id}", json={"full_name": NUL}, headers=headers),
        client.post("/api/auth/login", json={"email": NUL + "@example.com", "password": "x" * 12}),
        client.post("/api/auth/login", data={"username": NUL, "password": "x" * 12}),
        client.get("/api/users", params={"email": NUL}, headers=headers),
    ]
    for response in attempts:
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
    for path in ("/api/auth/refresh", "/api/auth/logout"):
        response = client.post(path, json={"refresh_token": f"rt1.{NUL}.0.AAAA"})
        assert response.status_code in {204, 401}, response.text
    assert client.get(WHOAMI_PATH, headers=headers).status_code == 200


def test_a_value_the_database_refuses_is_422_not_500(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))

    @app.get("/__test__/unstorable")
    def unstorable() -> None:
        raise DataError("INSERT ...", {}, ValueError("text fields cannot contain NUL"))

    response = TestClient(app, raise_server_exceptions=False).get("/__test__/unstorable")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "INSERT" not in response.text


def test_a_deleted_users_id_is_never_given_to_another(db_session: Session) -> None:
    # Logs and audit trails name users by id; a reused id would name two people.
    newest = UserFactory.create()
    deleted_id = newest.id
    db_session.delete(newest)
    db_session.commit()
    assert UserFactory.create().id > deleted_id


def test_a_sqlite_writer_is_not_kept_waiting_by_writes_that_failed_before_it(
    tmp_path: Path,
) -> None:
    # Writers of one worker queue on a lock before BEGIN IMMEDIATE. A write that ended any
    # way but a commit and kept it would hold up the next writer for the whole busy timeout
    # (half a minute here) instead of none.
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    upgrade_to_head(url)
    database = Database.from_settings(
        make_settings(tmp_path, database_url=url, sqlite_busy_timeout_ms=30_000)
    )
    try:
        with contextlib.suppress(RuntimeError), database.write_sessions() as failed:
            failed.execute(select(User.id))
            raise RuntimeError("the handler failed mid-transaction")
        with database.write_sessions() as invalidated:
            invalidated.execute(select(User.id))
            invalidated.connection().invalidate()
        abandoned = database.write_sessions()
        abandoned.execute(select(User.id))
        abandoned.close()

        def write() -> int:
            with database.write_sessions() as session:
                session.add(UserFactory.build())
                session.commit()
            with database.read_sessions() as session:
                return len(session.scalars(select(User.id)).all())

        # On another thread and connection, as another request's write would be: the one the
        # failed writes used stays checked out meanwhile.
        with database.read_sessions() as other, ThreadPoolExecutor(max_workers=1) as pool:
            other.connection()
            assert pool.submit(write).result(timeout=10) == 1
    finally:
        database.dispose()
