"""Concurrent refreshes with one token against a real server: exactly one rotation wins."""

import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.fixtures import LiveServer, server_env, start_server, stop_server

THREADS = 10
ROUNDS = 10
POSTGRES_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=2"

pytestmark = pytest.mark.server


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite serialises writers; PostgreSQL runs the racing UPDATEs truly at once."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'races.db'}"
        return
    name = f"races_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN, autocommit=True)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    with admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def serve(tmp_path: Path, database_url: str, grace_seconds: int) -> LiveServer:
    env = server_env(
        tmp_path, DATABASE_URL=database_url, REFRESH_REUSE_GRACE_SECONDS=str(grace_seconds)
    )
    server = start_server(env)
    engine = create_engine(database_url)
    with Session(engine) as session:
        session.add(UserFactory.build(email="racer@example.com"))
        session.commit()
    engine.dispose()
    return server


def log_in(server: LiveServer) -> dict[str, Any]:
    with server.client() as client:
        response = client.post(
            "/api/auth/login", json={"email": "racer@example.com", "password": DEFAULT_PASSWORD}
        )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def race(server: LiveServer, refresh_token: str) -> list[httpx.Response]:
    """THREADS refreshes with one token, released together from a barrier."""
    clients = [server.client() for _ in range(THREADS)]
    for client in clients:
        client.get("/health")  # connect now, so the barrier releases requests, not handshakes
    barrier = threading.Barrier(THREADS)
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def one(client: httpx.Client) -> None:
        barrier.wait()
        response = client.post("/api/auth/refresh", json={"refresh_token": refresh_token})
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=one, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    assert len(responses) == THREADS
    return responses


def refresh_status(server: LiveServer, refresh_token: str) -> int:
    with server.client() as client:
        return client.post("/api/auth/refresh", json={"refresh_token": refresh_token}).status_code


def test_strict_grace_lets_exactly_one_win_then_ends_the_session(
    tmp_path: Path, database_url: str
) -> None:
    server = serve(tmp_path, database_url, grace_seconds=0)
    try:
        for _ in range(ROUNDS):
            tokens = log_in(server)
            responses = race(server, tokens["refresh_token"])
            statuses = sorted(response.status_code for response in responses)
            assert statuses == [200] + [401] * (THREADS - 1)
            winner = next(response for response in responses if response.status_code == 200)
            # The losers were reuse: the session is over, the winner's tokens with it.
            assert refresh_status(server, winner.json()["refresh_token"]) == 401
            with server.client() as client:
                logout = client.post(
                    "/api/auth/logout", json={"refresh_token": tokens["refresh_token"]}
                )
            assert logout.status_code == 204
    finally:
        stop_server(server)


def test_within_grace_every_racer_gets_the_same_successor(
    tmp_path: Path, database_url: str
) -> None:
    server = serve(tmp_path, database_url, grace_seconds=10)
    try:
        for _ in range(ROUNDS):
            tokens = log_in(server)
            responses = race(server, tokens["refresh_token"])
            assert [response.status_code for response in responses] == [200] * THREADS
            successors = {response.json()["refresh_token"] for response in responses}
            assert len(successors) == 1
            # One branch: the successor rotates on, and the session lives.
            assert refresh_status(server, successors.pop()) == 200
    finally:
        stop_server(server)
