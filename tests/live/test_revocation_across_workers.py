"""Revocation is immediate across workers: a logout on one is refused by all from then on.

Two uvicorn workers on the run's database, each with its own direct reader (a SQLite
connection, or a pool of PostgreSQL connections batching their reads) and its own cache of
verified tokens. Every request below opens a new connection, so the kernel spreads them
over both workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.fixtures import (
    LiveServer,
    server_env,
    skip_without_slices,
    start_server,
    stop_server,
)

skip_without_slices("login", "logout", "get_me")

pytestmark = pytest.mark.server

READS = 40
EMAIL = "revoked@example.com"


@pytest.fixture
def two_workers(tmp_path: Path, live_database_url: str) -> Iterator[LiveServer]:
    server = start_server(server_env(tmp_path, DATABASE_URL=live_database_url), workers=2)
    engine = create_engine(live_database_url)
    with Session(engine) as session:
        session.add(UserFactory.build(email=EMAIL))
        session.commit()
    engine.dispose()
    yield server
    stop_server(server)


def statuses_of_fresh_reads(server: LiveServer, access_token: str) -> set[int]:
    headers = {"Authorization": f"Bearer {access_token}"}
    return {
        httpx.get(f"{server.url}/api/users/me", headers=headers, timeout=30).status_code
        for _ in range(READS)
    }


def test_a_logout_on_one_worker_is_refused_by_every_worker_at_once(
    two_workers: LiveServer,
) -> None:
    with two_workers.client() as client:
        login = client.post("/api/auth/login", json={"email": EMAIL, "password": DEFAULT_PASSWORD})
        assert login.status_code == 200
        tokens = login.json()
    # Both workers have verified and cached the token, and read its live session.
    assert statuses_of_fresh_reads(two_workers, tokens["access_token"]) == {200}

    with two_workers.client() as client:
        logout = client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]})
        assert logout.status_code == 204

    assert statuses_of_fresh_reads(two_workers, tokens["access_token"]) == {401}
