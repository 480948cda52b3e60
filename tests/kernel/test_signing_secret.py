"""The JWT signing secret: generated once in development, required in production."""

import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from main import create_app
from shared.config import Settings
from shared.db.models import utcnow
from shared.security.access_tokens import create_access_token, decode_access_token
from tests.fixtures import REPO_ROOT, server_env

PRODUCTION_MESSAGE = "JWT_SECRET must be set to at least 32 bytes in production"


@pytest.fixture(autouse=True)
def no_secret_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.delenv("APP_ENV", raising=False)


def development(data_dir: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, app_env="development", data_dir=data_dir, **values)


def test_development_generates_a_private_secret_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "not" / "yet" / "there"
    secret = development(data_dir).signing_secret()
    path = data_dir / "jwt_secret"
    assert path.read_text().strip() == secret
    assert len(secret.encode()) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [entry.name for entry in data_dir.iterdir()] == ["jwt_secret"]


def test_generated_secret_survives_a_restart(tmp_path: Path) -> None:
    # Two apps over one data directory: a token from the first is good for the second.
    first, second = (create_app(development(tmp_path)) for _ in range(2))
    assert first.state.token_settings.secret == second.state.token_settings.secret
    token = create_access_token(
        user_id=1, session_id="s", now=utcnow(), settings=first.state.token_settings
    )
    assert decode_access_token(token, settings=second.state.token_settings).user_id == 1


def test_other_data_directories_get_other_secrets(tmp_path: Path) -> None:
    assert development(tmp_path / "a").signing_secret() != (
        development(tmp_path / "b").signing_secret()
    )


def test_workers_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    secrets: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        secrets.append(development(tmp_path).signing_secret())

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(secrets) == 8
    assert len(set(secrets)) == 1
    assert [entry.name for entry in tmp_path.iterdir()] == ["jwt_secret"]


def test_configured_secret_is_used_and_no_file_written(tmp_path: Path) -> None:
    secret = "s" * 32
    assert development(tmp_path, jwt_secret=secret).signing_secret() == secret
    assert not (tmp_path / "jwt_secret").exists()


def test_short_configured_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        development(tmp_path, jwt_secret="s" * 31).signing_secret()


@pytest.mark.parametrize("secret", [None, "", "s" * 31, "é" * 15])
def test_production_refuses_a_missing_or_short_secret(tmp_path: Path, secret: str | None) -> None:
    values: dict[str, Any] = {} if secret is None else {"jwt_secret": secret}
    with pytest.raises(ValidationError, match=PRODUCTION_MESSAGE):
        Settings(_env_file=None, app_env="production", data_dir=tmp_path, **values)
    assert not (tmp_path / "jwt_secret").exists()


def test_production_accepts_32_bytes(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        app_env="production",
        data_dir=tmp_path,
        jwt_secret=SecretStr("é" * 16),
        smtp_host="smtp.example.com",
    )
    assert settings.signing_secret() == "é" * 16


@pytest.mark.server
def test_production_server_without_secret_stops_with_the_message(tmp_path: Path) -> None:
    env = server_env(tmp_path, APP_ENV="production")
    del env["JWT_SECRET"]
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "main:app", "--port", "0"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert PRODUCTION_MESSAGE in result.stderr
    assert not (tmp_path / "jwt_secret").exists()
