"""Settings come from the environment by their documented names, and bad values stop start-up."""

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.config import Settings


def settings_from_env(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_durations_are_read_as_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from_env(
        monkeypatch,
        ACCESS_TOKEN_TTL_SECONDS="60",
        REFRESH_TOKEN_TTL_SECONDS="3600",
        REFRESH_REUSE_GRACE_SECONDS="0",
    )
    assert settings.access_token_ttl == timedelta(seconds=60)
    assert settings.refresh_token_ttl == timedelta(hours=1)
    assert settings.refresh_reuse_grace == timedelta(0)


def test_defaults_match_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACCESS_TOKEN_TTL_SECONDS", "BCRYPT_ROUNDS", "DATABASE_URL", "CORS_ORIGINS"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.access_token_ttl == timedelta(minutes=15)
    assert settings.refresh_token_ttl == timedelta(days=7)
    assert settings.refresh_reuse_grace == timedelta(seconds=10)
    assert settings.bcrypt_rounds == 12
    assert settings.database_url == "sqlite:///data/app.db"
    assert settings.registration_open is True
    assert settings.max_body_bytes == 65_536
    assert settings.cors_origins == []


def test_cors_origins_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from_env(monkeypatch, CORS_ORIGINS="https://a.example, https://b.example,")
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ACCESS_TOKEN_TTL_SECONDS", "-5"),
        ("ACCESS_TOKEN_TTL_SECONDS", "0"),
        ("REFRESH_TOKEN_TTL_SECONDS", "soon"),
        ("REFRESH_REUSE_GRACE_SECONDS", "-1"),
        ("BCRYPT_ROUNDS", "3"),
        ("DATABASE_URL", "not a url"),
        ("APP_ENV", "staging"),
        ("MAX_BODY_BYTES", "-1"),
    ],
)
def test_unknown_values_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        settings_from_env(monkeypatch, **{name: value})
    assert name.lower() in str(refused.value).lower()


def test_data_dir_moves_the_default_database(tmp_path: Path) -> None:
    moved = Settings(_env_file=None, data_dir=tmp_path / "state")  # type: ignore[call-arg]
    assert moved.database_url == f"sqlite:///{tmp_path / 'state' / 'app.db'}"
    chosen = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path, database_url="sqlite:///elsewhere.db"
    )
    assert chosen.database_url == "sqlite:///elsewhere.db"
