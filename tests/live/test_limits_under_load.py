"""Rate limits and password work against a real server: parallel guesses, one address spraying
accounts, a login burst beside other routes, and a Redis that dies or stops answering."""

from __future__ import annotations

import contextlib
import socket
import statistics
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from shared.security.passwords import hash_password
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.fixtures import LiveServer, free_port, server_env, start_server, stop_server

pytestmark = pytest.mark.server
T = TypeVar("T")
VICTIM = "victim@example.com"
LOGIN = "/api/auth/login"


def all_at_once(count: int, task: Callable[[int], T]) -> list[T]:
    """Run task(0..count-1) on count threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(index: int) -> T:
        barrier.wait()
        return task(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def add_user(database_url: str, email: str = VICTIM) -> None:
    engine = create_engine(database_url)
    with Session(engine) as session:
        # A production-like cost, so parallel checks overlap as they do in production.
        hashed = hash_password(DEFAULT_PASSWORD, rounds=10)
        session.add(UserFactory.build(email=email, hashed_password=hashed))
        session.commit()
    engine.dispose()


@contextlib.contextmanager
def serving(tmp_path: Path, database_url: str, **env: str) -> Iterator[LiveServer]:
    server = start_server(server_env(tmp_path, DATABASE_URL=database_url, **env))
    try:
        yield server
    finally:
        stop_server(server)


def log_in(server: LiveServer, password: str, email: str = VICTIM, **headers: str) -> int:
    # Generous: on a loaded machine the last of a burst waits for every bcrypt before it.
    with httpx.Client(base_url=server.url, timeout=120) as client:
        response = client.post(LOGIN, json={"email": email, "password": password}, headers=headers)
    return response.status_code


def test_sixty_parallel_guesses_from_sixty_addresses_get_twenty_password_checks(
    tmp_path: Path, live_database_url: str
) -> None:
    with serving(
        tmp_path,
        live_database_url,
        RATE_LIMIT_ENABLED="true",
        RATE_LIMIT_LOGIN_FAILURES="20/15minutes",
        TRUSTED_PROXIES="127.0.0.1",
    ) as server:
        add_user(live_database_url)
        statuses = all_at_once(
            60,
            lambda n: log_in(server, f"wrong guess {n}", **{"X-Forwarded-For": f"198.51.100.{n}"}),
        )
    assert Counter(statuses) == {401: 20, 429: 40}


def test_one_address_cannot_spray_many_accounts(tmp_path: Path, live_database_url: str) -> None:
    with serving(
        tmp_path, live_database_url, RATE_LIMIT_ENABLED="true", RATE_LIMIT_LOGIN_IP="25/minute"
    ) as server:
        statuses = all_at_once(40, lambda n: log_in(server, "Summer2024!", f"u{n}@example.com"))
    assert Counter(statuses) == {401: 25, 429: 15}


BURST = 130


@pytest.mark.serial
def test_a_login_burst_takes_no_thread_from_other_routes(
    tmp_path: Path, live_database_url: str
) -> None:
    """With logins holding threads while they wait for a core, a sync route queued behind the
    30 logins the pool could not take at once (measured: 2.6 s of a 4 s burst); now it waits
    for none. Measured against the burst's own length, so a loaded machine slows both alike."""
    # Unknown emails: each verifies against the dummy hash at BCRYPT_ROUNDS (~60 ms at 10).
    with (
        serving(tmp_path, live_database_url, BCRYPT_ROUNDS="10") as server,
        ThreadPoolExecutor(1) as pool,
    ):
        started = time.perf_counter()
        logins = pool.submit(
            all_at_once, BURST, lambda n: log_in(server, "wrong", f"nobody{n}@example.com")
        )
        waits = []
        with server.client() as client:
            while not logins.done():
                before = time.perf_counter()
                # A sync route, on the thread pool that sync routes share.
                assert client.get("/health/ready").status_code == 200
                waits.append(time.perf_counter() - before)
                time.sleep(0.05)
        burst_statuses = logins.result()
        burst_seconds = time.perf_counter() - started
    assert set(burst_statuses) == {401}
    print(
        f"readiness: {len(waits)} probes during {BURST} logins ({burst_seconds:.1f} s), "
        f"slowest {max(waits) * 1000:.0f} ms"
    )
    # The old code stalled every sync route while logins held the threads, so most probes
    # waited; now a probe waits only by bad luck (one in a run was seen at 3 s of a 7.8 s
    # burst on a quiet machine). The typical probe is what a request of another route sees.
    assert statistics.median(waits) < 0.05 * burst_seconds


# --- the limiter's store fails ------------------------------------------------------------


@pytest.fixture
def redis_port(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A redis-server of our own, so the test may kill it."""
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        time.sleep(0.05)
    yield port, process
    process.kill()
    process.wait()


@pytest.mark.redis
def test_killing_redis_lets_logins_through_and_never_answers_500(
    tmp_path: Path, live_database_url: str, redis_port: tuple[int, subprocess.Popen[bytes]]
) -> None:
    port, redis_server = redis_port
    with serving(
        tmp_path,
        live_database_url,
        RATE_LIMIT_ENABLED="true",
        RATE_LIMIT_STORAGE_URL=f"redis://127.0.0.1:{port}/0",
    ) as server:
        add_user(live_database_url)
        assert log_in(server, DEFAULT_PASSWORD) == 200
        redis_server.kill()
        redis_server.wait()
        assert log_in(server, "a wrong password") == 401
        assert log_in(server, DEFAULT_PASSWORD) == 200
        with server.client() as client:
            assert client.post("/api/auth/logout", json={"refresh_token": "x"}).status_code == 204


@pytest.mark.redis
def test_a_redis_that_stops_answering_does_not_hang_logins(
    tmp_path: Path, live_database_url: str
) -> None:
    # Accepts connections (the kernel's backlog does) and never answers: a dropped route.
    black_hole = socket.socket()
    black_hole.bind(("127.0.0.1", 0))
    black_hole.listen(100)
    port = black_hole.getsockname()[1]
    try:
        with serving(
            tmp_path,
            live_database_url,
            RATE_LIMIT_ENABLED="true",
            RATE_LIMIT_STORAGE_URL=f"redis://127.0.0.1:{port}/0",
        ) as server:
            add_user(live_database_url)
            before = time.perf_counter()
            with httpx.Client(base_url=server.url, timeout=20) as client:
                response = client.post(LOGIN, json={"email": VICTIM, "password": DEFAULT_PASSWORD})
            took = time.perf_counter() - before
    finally:
        black_hole.close()
    assert response.status_code == 200
    print(f"login answered in {took:.2f} s with a Redis that never answers")
    assert took < 5
