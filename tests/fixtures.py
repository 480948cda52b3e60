"""Shared pytest fixtures: settings, a migrated database, a rolled-back transaction per test,
an app and client over it, tokens for factory users, and a real server in a subprocess.

The backend: SQLite files in temporary folders, unless TEST_DATABASE_URL names a PostgreSQL
server (`postgresql+psycopg://postgres@127.0.0.1:5432/postgres`). Its database is only used
to create and drop others: every pytest-xdist worker gets its own migrated database for the
session, every live server a fresh one, all dropped afterwards."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import URL, Connection, Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from main import create_app
from shared.config import Settings
from shared.db.direct import EngineDirectReader
from shared.db.engine import create_db_engine
from shared.db.models import AuthSession, User, utcnow
from shared.db.schema import upgrade_to_head
from shared.http.caller import CurrentUser
from shared.http.dependencies import get_session, get_write_session, get_write_session_factory
from shared.security.access_tokens import create_access_token
from shared.security.refresh_tokens import new_refresh_key, new_session_id, refresh_token_for
from tests import factories

WHOAMI_PATH = "/__test__/whoami"
REPO_ROOT = Path(__file__).resolve().parent.parent
FEATURES_DIR = REPO_ROOT / "features"
TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
GRACEFUL_SHUTDOWN_SECONDS = 10
# The tools of the environment running the tests (ruff, mypy, pre-commit...).
BIN = Path(sys.executable).parent


def skip_without_slices(*names: str) -> None:
    """Skip the calling test module (a journey across these slices) when one is deleted."""
    missing = [name for name in names if not (FEATURES_DIR / name).is_dir()]
    if missing:
        pytest.skip(f"spans the deleted slice(s) {', '.join(missing)}", allow_module_level=True)


def copy_of_repository(destination: Path, *, leave_out: tuple[str, ...] = ()) -> Path:
    """The files a fresh clone would hold (tracked and new ones, nothing git ignores: no .venv,
    no data) copied to destination, less the folders in leave_out (e.g. "features/login")."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file() and not name.startswith(tuple(f"{folder}/" for folder in leave_out)):
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


# --- the database backend ---------------------------------------------------------------------

_database_numbers = itertools.count()


def postgres_server() -> URL | None:
    """The PostgreSQL server the tests run on, or None for SQLite."""
    raw = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not raw:
        return None
    url = make_url(Settings(_env_file=None, database_url=raw).database_url)
    if url.get_backend_name() != "postgresql":
        raise pytest.UsageError(f"TEST_DATABASE_URL must name a PostgreSQL server, not {raw!r}")
    return url


def on_postgres() -> bool:
    return postgres_server() is not None


def _maintenance_engine(server: URL) -> Engine:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    return create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def new_database_url(directory: Path, purpose: str) -> str:
    """A new, empty database: a SQLite file in directory, or a database on the PG server."""
    server = postgres_server()
    if server is None:
        return f"sqlite:///{directory / f'{purpose}.db'}"
    # Unique across xdist workers and across test runs sharing one server.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"authtest_{worker}_{os.getpid()}_{purpose}{next(_database_numbers)}"
    engine = _maintenance_engine(server)
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a database made by new_database_url (SQLite files go with their temporary folder)."""
    server = postgres_server()
    parsed = make_url(url)
    if server is None or parsed.get_backend_name() != "postgresql":
        return
    engine = _maintenance_engine(server)
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    engine.dispose()


def make_settings(directory: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_env": "test",
        "database_url": f"sqlite:///{directory / 'test.db'}",
        "data_dir": directory,
        "jwt_secret": TEST_SECRET,
        "bcrypt_rounds": factories.TEST_BCRYPT_ROUNDS,
        "rate_limit_enabled": False,
        # The test transaction holds SQLite's write lock; a sender of its own would wait on it.
        # Tests of delivery start a sender on a database of their own (tests/mail_server.py).
        "mail_sender_enabled": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def subprocess_env() -> dict[str, str]:
    """This environment without the settings of the pytest (and coverage) running us."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COV_CORE_", "COVERAGE_"))
    }


def run_command(*command: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**subprocess_env(), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def git(*args: str, cwd: Path) -> str:
    result = run_command(
        "git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args, cwd=cwd
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """What a fresh clone would hold (tracked and new, not ignored, files) in a new git repo,
    sharing this checkout's .venv and mypy cache."""
    copy = copy_of_repository(tmp_path / "repo")
    (copy / ".venv").symlink_to(BIN.parent)
    if (REPO_ROOT / ".mypy_cache").is_dir():
        shutil.copytree(REPO_ROOT / ".mypy_cache", copy / ".mypy_cache")
    git("init", "-q", cwd=copy)
    git("add", "-A", cwd=copy)
    git("commit", "-q", "--no-verify", "-m", "chore: copy", cwd=copy)
    return copy


@pytest.fixture(scope="session")
def database_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("db")


@pytest.fixture(scope="session")
def database_url(database_dir: Path) -> Iterator[str]:
    """This worker's database for the session, migrated once."""
    url = new_database_url(database_dir, "test")
    upgrade_to_head(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def engine(database_dir: Path, database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(make_settings(database_dir, database_url=database_url))
    yield engine
    engine.dispose()


@pytest.fixture
def settings(database_dir: Path, database_url: str) -> Settings:
    return make_settings(database_dir, database_url=database_url)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection in one transaction, rolled back after the test whatever it committed."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def db_session(connection: Connection) -> Iterator[Session]:
    with Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as session:
        factories.FactorySession.current = session
        yield session
        factories.FactorySession.current = None


def app_for(
    settings: Settings, connection: Connection, *, slices: list[str] | None = None
) -> FastAPI:
    app = create_app(settings, slices=slices)
    # The auth check's direct reads see the test's uncommitted transaction too. The direct
    # readers themselves are tested on real databases in tests/kernel/test_direct_reads.py.
    app.state.database.direct = EngineDirectReader(
        lambda: contextlib.nullcontext(connection), on_thread=False
    )

    def session_in_test_transaction() -> Iterator[Session]:
        with Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as session:
            yield session

    def same_session(session: Annotated[Session, Depends(get_session)]) -> Session:
        return session

    # One session per request for reading and writing alike. Two would nest their savepoints
    # on the one test connection, and closing the reader's (opened first, by authentication)
    # would roll back whatever the writer had committed inside it.
    app.dependency_overrides[get_session] = session_in_test_transaction
    app.dependency_overrides[get_write_session] = same_session
    # Work after the response (a background task) writes in the test transaction too.
    app.dependency_overrides[get_write_session_factory] = lambda: (
        lambda: Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
    )

    @app.get(WHOAMI_PATH, include_in_schema=False)
    def whoami(caller: CurrentUser) -> dict[str, int | str]:
        # A slice's tests mount only that slice; this probe tells them whether a token still
        # works without borrowing another slice's route.
        return {"user_id": caller.user_id, "role": caller.user.role}

    return app


def slice_of(test_file: Path) -> str | None:
    """The slice a test file belongs to, or None for the cross-slice tests outside features/."""
    path = test_file.resolve()
    if not path.is_relative_to(FEATURES_DIR):
        return None
    parts = path.relative_to(FEATURES_DIR).parts
    return parts[0] if len(parts) > 1 else None


@pytest.fixture
def app(
    request: pytest.FixtureRequest, settings: Settings, connection: Connection, db_session: Session
) -> FastAPI:
    """The app over the test's transaction, with the slices the test says it needs.

    `@pytest.mark.mounts("login", "get_me")` names them. Without the mark a slice's tests
    mount that slice alone, so they neither import nor depend on another slice, and the
    cross-slice tests in tests/ mount every slice.
    """
    marker = request.node.get_closest_marker("mounts")
    if marker is not None:
        return app_for(settings, connection, slices=list(marker.args))
    own_slice = slice_of(request.path)
    return app_for(settings, connection, slices=None if own_slice is None else [own_slice])


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class Tokens:
    session_id: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@pytest.fixture
def login_as(app: FastAPI, db_session: Session) -> Callable[[User], Tokens]:
    """A live session and access token for a user, made directly (no login slice involved)."""

    def login(user: User) -> Tokens:
        now = utcnow()
        auth_session = AuthSession(
            id=new_session_id(),
            user_id=user.id,
            refresh_key=new_refresh_key(),
            generation=0,
            created_at=now,
            expires_at=now + timedelta(days=1),
        )
        db_session.add(auth_session)
        db_session.commit()
        token_settings = app.state.token_settings
        token = create_access_token(
            user_id=user.id, session_id=auth_session.id, now=now, settings=token_settings
        )
        refresh_token = refresh_token_for(
            session_id=auth_session.id,
            generation=0,
            refresh_key=auth_session.refresh_key,
            secret=token_settings.secret,
        )
        return Tokens(session_id=auth_session.id, access_token=token, refresh_token=refresh_token)

    return login


@pytest.fixture
def user(db_session: Session) -> User:
    return factories.UserFactory.create()


@pytest.fixture
def admin(db_session: Session) -> User:
    return factories.AdminFactory.create()


# --- a real server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


def server_env(directory: Path, **overrides: str) -> dict[str, str]:
    """The server's environment; pass DATABASE_URL=new_database_url(...) to run on PostgreSQL."""
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": f"sqlite:///{directory / 'live.db'}",
        "DATA_DIR": str(directory),
        "JWT_SECRET": TEST_SECRET,
        "BCRYPT_ROUNDS": str(factories.TEST_BCRYPT_ROUNDS),
        "RATE_LIMIT_ENABLED": "false",
    }
    # Each server keeps its metrics under its own DATA_DIR, not in one a test process used.
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(overrides)
    return env


def start_server(env: dict[str, str], *, workers: int = 1, port: int | None = None) -> LiveServer:
    """Migrate env's database and serve it; returns once /health answers."""
    upgrade_to_head(env["DATABASE_URL"])
    port = port or free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--timeout-graceful-shutdown",
            str(GRACEFUL_SHUTDOWN_SECONDS),
            "--log-level",
            "warning",
            # The app reads X-Forwarded-For itself, through TRUSTED_PROXIES only.
            "--no-proxy-headers",
            "--app-dir",
            str(REPO_ROOT),
        ],
        # Run from the data directory, so a developer's ./.env does not leak into the server.
        cwd=env["DATA_DIR"],
        env=env,
        # Its own process group, so a kill reaches the workers and not pytest.
        start_new_session=True,
    )
    return wait_until_serving(process, f"http://127.0.0.1:{port}", env)


def wait_until_serving(
    process: subprocess.Popen[bytes], url: str, env: dict[str, str]
) -> LiveServer:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return LiveServer(url=url, process=process, env=env)
        except httpx.TransportError:
            time.sleep(0.05)
    kill_server_group(process)
    raise RuntimeError("server did not answer within 30 s")


def kill_server_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server and every worker it started: a crash, nothing gets to clean up."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def stop_server(server: LiveServer) -> int:
    """SIGTERM, as an orchestrator stops it; returns the exit status."""
    server.process.terminate()
    try:
        return server.process.wait(timeout=GRACEFUL_SHUTDOWN_SECONDS + 5)
    except subprocess.TimeoutExpired:
        kill_server_group(server.process)
        raise


@pytest.fixture
def live_database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh database for one live server (SQLite or PostgreSQL, as the run says)."""
    url = new_database_url(tmp_path, "live")
    yield url
    drop_database(url)


@pytest.fixture
def live_server(tmp_path: Path, live_database_url: str) -> Iterator[LiveServer]:
    server = start_server(server_env(tmp_path, DATABASE_URL=live_database_url))
    yield server
    stop_server(server)


# A real SMTP server, and an app delivering to it (smtp_server, mail_app).
from tests.mail_server import mail_app, mail_database_url, smtp_server  # noqa: E402, F401
