"""Every documented way to start the server leaves the client address alone unless
TRUSTED_PROXIES says otherwise: a forged X-Forwarded-For picks no one a fresh per-IP count."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from shared.db.schema import upgrade_to_head
from tests.fixtures import (
    REPO_ROOT,
    LiveServer,
    drop_database,
    free_port,
    new_database_url,
    server_env,
    stop_server,
    wait_until_serving,
)

pytestmark = pytest.mark.server
DOCUMENTS = ("README.md", "CONTRIBUTING.md", "Makefile")


def make_run_command(port: int) -> list[str]:
    """The uvicorn command line of `make run`, as the Makefile has it."""
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    [line] = [line for line in makefile.splitlines() if "uvicorn main:app" in line]
    words = line.strip().replace("$(HOST)", "127.0.0.1").replace("$(PORT)", str(port)).split()
    return [sys.executable, "-m", "uvicorn", *words[1:], "--app-dir", str(REPO_ROOT)]


def serve_command(port: int) -> list[str]:
    """`python main.py serve`, which `make serve` runs."""
    return [sys.executable, str(REPO_ROOT / "main.py"), "serve", "--port", str(port)]


def test_no_document_shows_a_uvicorn_start_that_believes_forwarded_headers() -> None:
    for name in DOCUMENTS:
        for line in (REPO_ROOT / name).read_text(encoding="utf-8").splitlines():
            if re.search(r"uvicorn\s+main:app", line):
                assert "--no-proxy-headers" in line, f"{name}: {line.strip()}"


@pytest.mark.parametrize("command", [make_run_command, serve_command], ids=["make run", "serve"])
def test_a_forged_forwarded_for_does_not_escape_the_per_ip_login_limit(
    tmp_path: Path, command: object
) -> None:
    url = new_database_url(tmp_path, "forged")
    upgrade_to_head(url)
    env = server_env(
        tmp_path, DATABASE_URL=url, RATE_LIMIT_ENABLED="true", RATE_LIMIT_LOGIN_IP="3/minute"
    )
    port = free_port()
    process = subprocess.Popen(
        command(port),  # type: ignore[operator]
        cwd=env["DATA_DIR"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server: LiveServer = wait_until_serving(process, f"http://127.0.0.1:{port}", env)
    try:
        with server.client() as client:
            statuses = [
                client.post(
                    "/api/auth/login",
                    json={"email": f"u{n}@example.com", "password": "a wrong guess"},
                    headers={"X-Forwarded-For": f"203.0.113.{n}"},
                ).status_code
                for n in range(4)
            ]
    finally:
        stop_server(server)
        drop_database(url)
    assert statuses == [401, 401, 401, 429]
