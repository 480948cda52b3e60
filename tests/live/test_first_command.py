"""The README's first command, as a newcomer runs it: a fresh copy, no ./data, no .env."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures import copy_of_repository, free_port

pytestmark = [
    pytest.mark.server,
    # The newcomer's server runs on SQLite whatever the pass: once per `make test` is enough.
    pytest.mark.skipif(
        bool(os.environ.get("TEST_DATABASE_URL")),
        reason="make run serves SQLite; the SQLite pass already runs it",
    ),
]

# Settings a developer's shell may carry; a newcomer has none of them.
APP_SETTINGS = (
    "APP_ENV",
    "DATABASE_URL",
    "DATA_DIR",
    "JWT_SECRET",
    "BCRYPT_ROUNDS",
    "RATE_LIMIT_ENABLED",
    "RATE_LIMIT_STORAGE_URL",
    "TEST_DATABASE_URL",
    "VIRTUAL_ENV",
)
# Creating the environment from the lock file (and uv itself, when it is not on the PATH).
SETUP_SECONDS = 300


@pytest.fixture
def newcomer_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    clone = copy_of_repository(tmp_path / "clone")
    assert not (clone / "data").exists()
    assert not (clone / ".env").exists()
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in APP_SETTINGS}
    log = (tmp_path / "make-run.log").open("wb")
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SETUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"make run exited with {process.returncode}:\n{_tail(tmp_path)}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"make run did not serve within {SETUP_SECONDS} s:\n{_tail(tmp_path)}")
            time.sleep(0.2)
        yield url, clone
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _tail(tmp_path: Path) -> str:
    return (tmp_path / "make-run.log").read_text(errors="replace")[-3000:]


def test_make_run_on_a_fresh_clone_serves_sign_up_login_me_and_docs(
    newcomer_server: tuple[str, Path],
) -> None:
    url, clone = newcomer_server
    with httpx.Client(base_url=url, timeout=30) as client:
        credentials = {"email": "newcomer@example.com", "password": "a first long passphrase"}
        assert client.post("/api/users", json=credentials).status_code == 201
        login = client.post("/api/auth/login", json=credentials)
        assert login.status_code == 200
        me = client.get(
            "/api/users/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
        )
        assert me.status_code == 200
        assert me.json()["email"] == credentials["email"]
        docs = client.get("/docs")
        assert docs.status_code == 200
        assert "swagger-ui" in docs.text

    data = clone / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "app.db").stat().st_mode) == 0o600
