"""`python main.py create-admin`: create or promote an admin without a running server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from features.create_admin import handler
from features.create_admin.schemas import CreateAdminRequest
from main import cli
from shared.config import Settings, get_settings
from shared.db.engine import Database
from shared.db.models import AuthSession, User, utcnow
from shared.db.schema import upgrade_to_head
from shared.security.passwords import verify_password
from shared.security.refresh_tokens import new_refresh_key, new_session_id
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.fixtures import REPO_ROOT, make_settings, server_env

ADMIN_PASSWORD = "an admin passphrase, long"


def create_admin(
    email: str, *, password: str | None, full_name: str | None, settings: Settings
) -> str:
    """The handler as the command calls it; returns the line the command prints."""
    request = CreateAdminRequest(
        email=email,
        password=None if password is None else SecretStr(password),
        full_name=full_name,
    )
    return handler.handle(request, settings=settings).message


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A migrated SQLite database of this test's own: the command commits for real."""
    settings = make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'admin.db'}")
    upgrade_to_head(settings.database_url)
    return settings


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    database = Database.from_settings(settings)
    yield database
    database.dispose()


def stored(database: Database, email_key: str) -> User | None:
    with database.read_sessions() as session:
        return session.scalars(select(User).where(User.email_key == email_key)).one_or_none()


def existing_user(database: Database, **fields: object) -> tuple[User, str]:
    """A user written directly, with one live login session; returns both."""
    with database.write_sessions() as session:
        user = UserFactory.build(**fields)
        session.add(user)
        session.flush()
        auth_session = new_live_session(session, user.id)
        session.commit()
        return user, auth_session


def new_live_session(session: Session, user_id: int) -> str:
    now = utcnow()
    auth_session = AuthSession(
        id=new_session_id(),
        user_id=user_id,
        refresh_key=new_refresh_key(),
        created_at=now,
        expires_at=now + timedelta(hours=1),
    )
    session.add(auth_session)
    return auth_session.id


def is_revoked(database: Database, session_id: str) -> bool:
    with database.read_sessions() as session:
        auth_session = session.get(AuthSession, session_id)
        assert auth_session is not None
        return auth_session.revoked_at is not None


def test_creates_a_new_admin(settings: Settings, database: Database) -> None:
    done = create_admin(
        " Boss@Example.COM", password=ADMIN_PASSWORD, full_name="The Boss", settings=settings
    )
    assert done.startswith("created admin Boss@example.com")
    admin = stored(database, "boss@example.com")
    assert admin is not None
    assert (admin.role, admin.is_active, admin.full_name) == ("admin", True, "The Boss")
    assert verify_password(ADMIN_PASSWORD, admin.hashed_password)


def test_running_again_is_idempotent_and_logs_nobody_out(
    settings: Settings, database: Database
) -> None:
    create_admin("boss@example.com", password=ADMIN_PASSWORD, full_name=None, settings=settings)
    admin = stored(database, "boss@example.com")
    assert admin is not None
    with database.write_sessions() as session:
        live = new_live_session(session, admin.id)
        session.commit()
    create_admin("BOSS@example.com", password=None, full_name=None, settings=settings)
    again = stored(database, "boss@example.com")
    assert again is not None
    assert (again.id, again.role, again.hashed_password) == (
        admin.id,
        "admin",
        admin.hashed_password,
    )
    with database.read_sessions() as session:
        assert len(session.scalars(select(User)).all()) == 1
    assert not is_revoked(database, live)


def test_promoting_keeps_the_password_activates_and_revokes_sessions(
    settings: Settings, database: Database
) -> None:
    user, live = existing_user(database, email="ada@example.com", is_active=False)
    done = create_admin("Ada@Example.com", password=None, full_name=None, settings=settings)
    assert done.startswith("promoted")
    promoted = stored(database, "ada@example.com")
    assert promoted is not None
    assert (promoted.role, promoted.is_active) == ("admin", True)
    assert promoted.hashed_password == user.hashed_password
    assert verify_password(DEFAULT_PASSWORD, promoted.hashed_password)
    assert is_revoked(database, live)


def test_promoting_with_a_password_replaces_it(settings: Settings, database: Database) -> None:
    existing_user(database, email="ada@example.com")
    create_admin("ada@example.com", password=ADMIN_PASSWORD, full_name="Ada", settings=settings)
    promoted = stored(database, "ada@example.com")
    assert promoted is not None
    assert verify_password(ADMIN_PASSWORD, promoted.hashed_password)
    assert promoted.full_name == "Ada"


@pytest.mark.parametrize("password", ["short", "password123", "boss@example.com"])
def test_weak_password_is_refused_and_nothing_is_created(
    settings: Settings, database: Database, password: str
) -> None:
    with pytest.raises(handler.AdminRefusedError, match="Password refused"):
        create_admin("boss@example.com", password=password, full_name=None, settings=settings)
    assert stored(database, "boss@example.com") is None


def test_invalid_email_is_refused(settings: Settings) -> None:
    with pytest.raises(handler.AdminRefusedError, match="Not a valid email"):
        create_admin("not-an-email", password=ADMIN_PASSWORD, full_name=None, settings=settings)


def test_new_admin_without_a_password_is_refused(settings: Settings, database: Database) -> None:
    with pytest.raises(handler.AdminRefusedError, match="ADMIN_PASSWORD"):
        create_admin("boss@example.com", password=None, full_name=None, settings=settings)
    assert stored(database, "boss@example.com") is None


def test_cli_reads_the_password_from_the_environment(
    settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("JWT_SECRET", "x" * 40)
    monkeypatch.setenv("BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)
    get_settings.cache_clear()
    try:
        assert cli(["create-admin", "cli@example.com", "--full-name", "Cli Admin"]) == 0
    finally:
        get_settings.cache_clear()
    admin = stored(database, "cli@example.com")
    assert admin is not None
    assert verify_password(ADMIN_PASSWORD, admin.hashed_password)


def run_command(
    tmp_path: Path, settings: Settings, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = server_env(tmp_path, DATABASE_URL=settings.database_url, **env)
    environment.pop("ADMIN_PASSWORD", None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "main.py", "create-admin", *args],
        cwd=REPO_ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_password_and_no_terminal_fails_with_a_message(
    tmp_path: Path, settings: Settings, database: Database
) -> None:
    result = run_command(tmp_path, settings, "boss@example.com")
    assert result.returncode != 0
    assert "ADMIN_PASSWORD" in result.stderr
    assert "Traceback" not in result.stderr
    assert stored(database, "boss@example.com") is None


def test_password_from_the_environment_in_a_subprocess(
    tmp_path: Path, settings: Settings, database: Database
) -> None:
    result = run_command(tmp_path, settings, "boss@example.com", ADMIN_PASSWORD=ADMIN_PASSWORD)
    assert result.returncode == 0, result.stderr
    assert "created admin boss@example.com" in result.stdout
    assert ADMIN_PASSWORD not in result.stdout + result.stderr
    assert stored(database, "boss@example.com") is not None


def test_unmigrated_database_fails_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    empty = make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    result = run_command(tmp_path, empty, "boss@example.com", ADMIN_PASSWORD=ADMIN_PASSWORD)
    assert result.returncode != 0
    assert "make migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_password_is_not_a_command_line_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli(["create-admin", "boss@example.com", "--password", ADMIN_PASSWORD])
    assert exit_info.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err
