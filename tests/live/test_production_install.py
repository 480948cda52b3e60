"""The production install (`make install-prod`): runtime dependencies only, and the server
starts and answers on them alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures import REPO_ROOT, free_port, server_env, stop_server, wait_until_serving

pytestmark = pytest.mark.server

PYTHON = ["--python", sys.executable]
DEV_ONLY = ["pytest", "playwright", "schemathesis", "pyinstrument", "mypy", "ruff", "httpx"]


def uv() -> str:
    found = shutil.which("uv") or str(REPO_ROOT / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        pytest.skip("uv is not installed (make install puts it in .tools/)")
    return found


def size_mb(directory: Path) -> float:
    return sum(path.lstat().st_size for path in directory.rglob("*")) / 1e6


def test_runtime_dependencies_alone_serve_health(tmp_path: Path) -> None:
    project = tmp_path / "copy"
    project.mkdir()
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(REPO_ROOT / name, project / name)
    venv = tmp_path / "venv"
    subprocess.run(
        [uv(), "sync", "--frozen", "--no-default-groups", "--compile-bytecode", *PYTHON],
        cwd=project,
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)},
        check=True,
        capture_output=True,
    )
    python = venv / "bin" / "python"
    packages = {p.name.lower() for p in (venv / "lib").glob("python*/site-packages/*")}
    for name in DEV_ONLY:
        assert not any(p == name or p.startswith(f"{name}-") for p in packages), name
    print(f"\nproduction virtual environment: {size_mb(venv):.0f} MB")

    data = tmp_path / "data"
    data.mkdir()
    env = server_env(data, DATABASE_URL=f"sqlite:///{data / 'app.db'}")
    subprocess.run([python, REPO_ROOT / "main.py", "migrate"], cwd=data, env=env, check=True)
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [python, REPO_ROOT / "main.py", "serve", "--port", str(port)],
        cwd=data,
        env=env,
        start_new_session=True,
    )
    server = wait_until_serving(process, f"http://127.0.0.1:{port}", env)
    print(f"start to first answer: {time.perf_counter() - started:.2f} s")
    try:
        assert httpx.get(f"{server.url}/health/ready").status_code == 200
        assert httpx.get(f"{server.url}/openapi.json").status_code == 200
    finally:
        stop_server(server)
