"""Settings come from the environment by their documented names, and bad values stop start-up."""

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.config import Settings


def settings_from_env(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


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
    settings = Settings(_env_file=None)
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


UNSAFE_IN_PRODUCTION = {
    "TRUSTED_PROXIES": ("0.0.0.0/0", "TRUSTED_PROXIES"),
    "TRUSTED_PROXIES_V6": ("::/0", "TRUSTED_PROXIES"),
    "CORS_ORIGINS": ("*", "CORS_ORIGINS"),
    "RATE_LIMIT_ENABLED": ("false", "RATE_LIMIT_ENABLED"),
    "BCRYPT_ROUNDS": ("4", "BCRYPT_ROUNDS"),
    "ACCESS_TOKEN_TTL_SECONDS": ("31536000", "ACCESS_TOKEN_TTL_SECONDS"),
}


@pytest.mark.parametrize("case", UNSAFE_IN_PRODUCTION)
def test_production_refuses_unsafe_settings(monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    value, named = UNSAFE_IN_PRODUCTION[case]
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", "p" * 48)
    monkeypatch.setenv(case.removesuffix("_V6"), value)
    with pytest.raises(ValidationError, match=named):
        Settings(_env_file=None)


def test_production_accepts_the_safe_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", "p" * 48)
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    monkeypatch.setenv("ACCESS_TOKEN_TTL_SECONDS", "3600")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.com")
    assert Settings(_env_file=None).app_env == "production"


def test_a_short_generated_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "jwt_secret").write_text("short\n")
    settings = Settings(_env_file=None, app_env="development", data_dir=tmp_path)
    with pytest.raises(ValueError, match="shorter than 32 bytes: delete the file"):
        settings.signing_secret()


def test_data_dir_moves_the_default_database(tmp_path: Path) -> None:
    moved = Settings(_env_file=None, data_dir=tmp_path / "state")
    assert moved.database_url == f"sqlite:///{tmp_path / 'state' / 'app.db'}"
    chosen = Settings(_env_file=None, data_dir=tmp_path, database_url="sqlite:///elsewhere.db")
    assert chosen.database_url == "sqlite:///elsewhere.db"
