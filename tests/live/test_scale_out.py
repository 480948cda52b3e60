"""Several workers on one database, against a real server: racing sign-ups, SQLite under write
load, a crash mid-load, a graceful stop, and the production command behind a proxy."""

from __future__ import annotations

import json
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import redis
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from shared.db.models import User
from shared.db.schema import upgrade_to_head
from tests.fixtures import (
    REPO_ROOT,
    LiveServer,
    free_port,
    kill_server_group,
    on_postgres,
    server_env,
    start_server,
    stop_server,
    wait_until_serving,
)

pytestmark = pytest.mark.server

PASSWORD = "a perfectly fine passphrase"
T = TypeVar("T")


def all_at_once(count: int, task: Callable[[int], T]) -> list[T]:
    """Run task(0..count-1) on count threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(index: int) -> T:
        barrier.wait()
        return task(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def sign_up(client: httpx.Client, email: str) -> int:
    return client.post("/api/users", json={"email": email, "password": PASSWORD}).status_code


def stored_email_keys(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        keys = set(connection.scalars(select(User.email_key)))
    engine.dispose()
    return keys


def test_twenty_parallel_sign_ups_with_one_email_make_exactly_one_user(
    tmp_path: Path, live_database_url: str
) -> None:
    server = start_server(server_env(tmp_path, DATABASE_URL=live_database_url), workers=2)
    try:
        with server.client() as client:
            statuses = all_at_once(
                20, lambda n: sign_up(client, "Race@Example.com" if n % 2 else "race@example.com")
            )
    finally:
        stop_server(server)
    assert Counter(statuses) == {201: 1, 409: 19}
    assert stored_email_keys(live_database_url) == {"race@example.com"}


@pytest.mark.skipif(on_postgres(), reason="tests SQLite's locking itself; runs in the SQLite pass")
def test_sqlite_with_two_workers_under_write_load_never_answers_500(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'load.db'}"
    server = start_server(server_env(tmp_path, DATABASE_URL=database_url), workers=2)
    try:
        with server.client() as client:
            batches = all_at_once(
                16,
                lambda n: [sign_up(client, f"load{n}-{i}@example.com") for i in range(6)],
            )
    finally:
        stop_server(server)
    statuses = Counter(status for batch in batches for status in batch)
    assert statuses == {201: 96}
    assert len(stored_email_keys(database_url)) == 96


def test_sigkill_during_sign_up_load_loses_no_acknowledged_user(
    tmp_path: Path, live_database_url: str
) -> None:
    env = server_env(tmp_path, DATABASE_URL=live_database_url)
    server = start_server(env, workers=2)
    acknowledged: list[str] = []
    refused: list[int] = []
    crashed = threading.Event()

    def keep_signing_up(worker: int) -> None:
        with server.client() as client:
            for attempt in range(10_000):
                email = f"crash{worker}-{attempt}@example.com"
                try:
                    status = sign_up(client, email)
                except httpx.TransportError:
                    return  # the server is gone; this request's fate is unknown to the client
                if status == 201:
                    acknowledged.append(email)
                elif not crashed.is_set():
                    refused.append(status)

    threads = [threading.Thread(target=keep_signing_up, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    crashed.set()
    kill_server_group(server.process)
    for thread in threads:
        thread.join()

    assert len(acknowledged) >= 40
    assert refused == []
    restarted = start_server(env, workers=1)
    try:
        with restarted.client() as client:
            assert sign_up(client, "after-crash@example.com") == 201
    finally:
        stop_server(restarted)
    assert set(acknowledged) <= stored_email_keys(live_database_url)
    if make_url(live_database_url).get_backend_name() == "sqlite":
        with sqlite3.connect(str(make_url(live_database_url).database)) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def start_production_server(env: dict[str, str]) -> LiveServer:
    """`python main.py serve`, as `make serve` runs it (after migrating)."""
    upgrade_to_head(env["DATABASE_URL"])
    port = free_port()
    command = [sys.executable, str(REPO_ROOT / "main.py"), "serve"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=env["DATA_DIR"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return wait_until_serving(process, f"http://127.0.0.1:{port}", env)


def test_sigterm_lets_a_sign_up_in_flight_finish(tmp_path: Path, live_database_url: str) -> None:
    env = server_env(tmp_path, DATABASE_URL=live_database_url, WEB_CONCURRENCY="2")
    server = start_production_server(env)
    host, port = server.url.removeprefix("http://").split(":")
    body = json.dumps({"email": "inflight@example.com", "password": PASSWORD}).encode()
    head = (
        f"POST /api/users HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(head.encode())
        # The server says 100 Continue once the app asks for the body: the request is in flight.
        assert read_until(connection, b"\r\n\r\n").startswith(b"HTTP/1.1 100")
        server.process.send_signal(signal.SIGTERM)
        wait_until_not_answering(server)
        connection.sendall(body)
        response = read_until(connection, b"inflight@example.com")
    assert response.startswith(b"HTTP/1.1 201")
    # A clean exit: not killed at the graceful timeout (a single process re-raises SIGTERM).
    assert server.process.wait(timeout=15) in {0, -signal.SIGTERM}
    assert stored_email_keys(live_database_url) == {"inflight@example.com"}


def read_until(connection: socket.socket, marker: bytes) -> bytes:
    received = b""
    while marker not in received:
        chunk = connection.recv(4096)
        if not chunk:
            break
        received += chunk
    return received


def wait_until_not_answering(server: LiveServer) -> None:
    """Until the server has begun its shutdown: it no longer answers new requests."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{server.url}/health", timeout=0.2)
        except httpx.TransportError:
            return
        time.sleep(0.02)
    raise AssertionError("the server still answers 5 s after SIGTERM")


def test_serve_honours_forwarded_headers_only_from_trusted_proxies(
    tmp_path: Path, live_database_url: str
) -> None:
    env = server_env(
        tmp_path,
        DATABASE_URL=live_database_url,
        WEB_CONCURRENCY="2",
        TRUSTED_PROXIES="127.0.0.1",
    )
    server = start_production_server(env)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    try:
        # The trailing-slash redirect is built from the scheme the server believes it is on.
        # 127.0.0.2 is loopback too, but not a trusted proxy.
        locations = {}
        for source in ("127.0.0.1", "127.0.0.2"):
            transport = httpx.HTTPTransport(local_address=source)
            with httpx.Client(transport=transport, base_url=server.url) as client:
                response = client.get("/health/", headers=forwarded)
            assert response.status_code == 307
            assert "server" not in response.headers
            locations[source] = response.headers["location"]
    finally:
        stop_server(server)
    assert locations["127.0.0.1"].startswith("https://")
    assert locations["127.0.0.2"].startswith("http://")


@pytest.mark.redis
def test_two_workers_share_one_rate_limit_count_through_redis(
    tmp_path: Path, live_database_url: str
) -> None:
    """A limit of N allows N sign-ups in all across two workers, not N per worker."""
    redis_url = "redis://127.0.0.1:6379/0"
    probe = redis.Redis.from_url(redis_url, socket_connect_timeout=0.5)
    try:
        probe.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis answers at {redis_url}: {exc}")
    finally:
        probe.close()
    limit = 6
    env = server_env(
        tmp_path,
        DATABASE_URL=live_database_url,
        RATE_LIMIT_ENABLED="true",
        RATE_LIMIT_STORAGE_URL=redis_url,
        RATE_LIMIT_REGISTER=f"{limit}/minute",
        # The test speaks for one client address of its own, so no earlier run's count (nor
        # another test's) is in its bucket.
        TRUSTED_PROXIES="127.0.0.1",
    )
    client_ip = f"198.18.{random.randint(0, 255)}.{random.randint(1, 254)}"
    server = start_server(env, workers=2)
    try:

        def one_sign_up(index: int) -> int:
            # A new connection each time, so the two workers' accept loops share the requests.
            with server.client(headers={"X-Forwarded-For": client_ip}) as client:
                return sign_up(client, f"limited-{index}-{uuid.uuid4().hex[:8]}@example.com")

        statuses = Counter(all_at_once(3 * limit, one_sign_up))
    finally:
        stop_server(server)
    assert statuses == {201: limit, 429: 2 * limit}
