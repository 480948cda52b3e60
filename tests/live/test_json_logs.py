"""`python main.py serve` under LOG_FORMAT=json: every line is JSON, uvicorn's included, and
every line a request writes carries its request id and client address."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from shared.db.schema import upgrade_to_head
from tests.fixtures import (
    REPO_ROOT,
    free_port,
    server_env,
    stop_server,
    wait_until_serving,
)

pytestmark = pytest.mark.server

PASSWORD = "a live logging passphrase"


def test_json_log_of_a_real_server(tmp_path: Path, live_database_url: str) -> None:
    env = server_env(tmp_path, DATABASE_URL=live_database_url, LOG_FORMAT="json")
    upgrade_to_head(env["DATABASE_URL"])
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "main.py"), "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = wait_until_serving(process, f"http://127.0.0.1:{port}", env)
        try:
            with httpx.Client(base_url=server.url) as client:
                client.post(
                    "/api/users",
                    json={"email": "ada@example.com", "password": PASSWORD},
                    headers={"X-Request-ID": "live-signup"},
                )
                client.post(
                    "/api/auth/login",
                    json={"email": "ada@example.com", "password": PASSWORD + "x"},
                    headers={"X-Request-ID": "live-login"},
                )
        finally:
            stop_server(server)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    messages = [line["message"] for line in lines]
    assert any(m.startswith("Started server process") for m in messages)
    assert "Application startup complete." in messages
    assert any(m.startswith("Uvicorn running on") for m in messages)
    login = [line for line in lines if line.get("request_id") == "live-login"]
    assert {line["logger"] for line in login} == {"authservice.security", "authservice.access"}
    assert {line["client_ip"] for line in login} == {"127.0.0.1"}
    # Every line between the request's arrival and its access line belongs to it, but for the
    # mail sender's: a task of its own, woken by the sign-up's commit, it may log meanwhile.
    request_lines = [line for line in lines if line.get("logger") != "authservice.mail"]
    for request_id in ("live-signup", "live-login"):
        mine = [i for i, line in enumerate(request_lines) if line.get("request_id") == request_id]
        assert mine == list(range(mine[0], mine[-1] + 1))
    assert PASSWORD not in log.read_text(encoding="utf-8")
