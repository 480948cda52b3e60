"""Settings from the environment (and .env), validated once at start-up."""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from limits import parse_many
from limits.storage import SCHEMES as LIMITS_STORAGE_SCHEMES  # type: ignore[attr-defined]
from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MIN_SECRET_BYTES = 32
SECRET_FILE_NAME = "jwt_secret"  # noqa: S105 - a file name, not a secret


def _seconds(value: object) -> object:
    # The environment says "900"; pydantic alone reads only ISO 8601 durations from strings.
    if isinstance(value, str) and value.strip().lstrip("-").replace(".", "", 1).isdigit():
        return float(value)
    return value


Seconds = Annotated[timedelta, BeforeValidator(_seconds)]
PositiveDuration = Annotated[Seconds, Field(gt=timedelta(0))]
NonNegativeDuration = Annotated[Seconds, Field(ge=timedelta(0))]
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Settings(BaseSettings):
    """Every operator-facing setting; names match the README's settings table."""

    # hide_input_in_errors: a refused DATABASE_URL or Redis URL may carry a password.
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # Tests and code pass field names (access_token_ttl=...); the environment uses aliases.
        populate_by_name=True,
        hide_input_in_errors=True,
    )

    app_env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./data/app.db"
    data_dir: Path = Path("./data")
    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "authservice"
    jwt_audience: str = "authservice"
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_ttl: PositiveDuration = Field(
        default=timedelta(seconds=900), validation_alias="ACCESS_TOKEN_TTL_SECONDS"
    )
    refresh_token_ttl: PositiveDuration = Field(
        default=timedelta(days=7), validation_alias="REFRESH_TOKEN_TTL_SECONDS"
    )
    refresh_reuse_grace: NonNegativeDuration = Field(
        default=timedelta(seconds=10), validation_alias="REFRESH_REUSE_GRACE_SECONDS"
    )
    bcrypt_rounds: int = Field(default=12, ge=4, le=31)
    password_min_length: int = Field(default=8, ge=1, le=128)
    registration_open: bool = True
    rate_limit_enabled: bool = True
    rate_limit_storage_url: str = "memory://"
    # Each limit is a `limits` string; several may be joined with ";" ("10/minute;100/hour").
    rate_limit_login: str = "10/minute"
    rate_limit_login_failures: str = "20/15minutes"
    rate_limit_register: str = "5/minute;50/hour"
    rate_limit_refresh: str = "60/minute"
    rate_limit_password_reset: str = "5/minute;30/hour"  # noqa: S105 - a limit, not a secret
    rate_limit_password_reset_email: str = "3/15minutes;10/day"  # noqa: S105
    trusted_proxies: Annotated[list[IPNetwork], NoDecode] = Field(default_factory=list)
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_body_bytes: int = Field(default=65_536, ge=1)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    db_pool_timeout: float = Field(default=30.0, gt=0)
    db_pool_recycle: int = Field(default=1800, ge=-1)
    db_pool_pre_ping: bool = True
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    web_concurrency: int = Field(default=1, ge=1)
    graceful_shutdown_seconds: int = Field(default=30, ge=1)
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "no-reply@localhost"
    mail_max_attempts: int = Field(default=5, ge=1, le=100)
    mail_retry_base_seconds: float = Field(default=30.0, gt=0)
    mail_poll_seconds: float = Field(default=5.0, gt=0)
    mail_sender_enabled: bool = True
    email_verification_ttl: PositiveDuration = Field(
        default=timedelta(days=1), validation_alias="EMAIL_VERIFICATION_TTL_SECONDS"
    )
    password_reset_ttl: PositiveDuration = Field(
        default=timedelta(minutes=30), validation_alias="PASSWORD_RESET_TTL_SECONDS"
    )
    require_verified_email: bool = False

    @field_validator("database_url")
    @classmethod
    def _database_url_parses(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"DATABASE_URL is not a SQLAlchemy URL: {exc}") from None
        # Bare postgres(ql):// would pick psycopg2, which is not installed; psycopg 3 is.
        for bare in ("postgres://", "postgresql://"):
            if value.startswith(bare):
                return "postgresql+psycopg://" + value.removeprefix(bare)
        return value

    @field_validator(
        "rate_limit_login",
        "rate_limit_login_failures",
        "rate_limit_register",
        "rate_limit_refresh",
        "rate_limit_password_reset",
        "rate_limit_password_reset_email",
    )
    @classmethod
    def _rate_limit_parses(cls, value: str, info: ValidationInfo) -> str:
        name = (info.field_name or "").upper()
        try:
            items = parse_many(value)
        except ValueError:
            raise ValueError(
                f'{name} must look like "10/minute" or "20/15minutes;100/day", not {value!r}'
            ) from None
        if any(item.amount < 1 for item in items):
            raise ValueError(f"{name}: every limit must allow at least one request")
        return value

    @field_validator("rate_limit_storage_url")
    @classmethod
    def _storage_url_is_known(cls, value: str) -> str:
        # The value is not echoed: a Redis URL may carry a password.
        message = (
            "RATE_LIMIT_STORAGE_URL must be memory:// or a storage URL such as redis://host:6379/0"
        )
        try:
            parts = urlsplit(value)
            _ = parts.port  # a malformed port raises here
        except ValueError:
            raise ValueError(message) from None
        # The async schemes need an event-loop client; the limiter calls storage synchronously.
        if parts.scheme not in LIMITS_STORAGE_SCHEMES or parts.scheme.startswith("async+"):
            raise ValueError(message)
        if parts.scheme in {"redis", "rediss", "valkey", "valkeys"}:
            database = parts.path.lstrip("/")
            if database and not database.isdigit():
                raise ValueError(message)
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url_is_http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query:
            raise ValueError("PUBLIC_URL must be an http(s) URL such as https://app.example.com")
        return value.rstrip("/")

    @field_validator("mail_from")
    @classmethod
    def _mail_from_is_an_address(cls, value: str) -> str:
        # A header value: a newline here would let the setting forge headers in every message.
        if "@" not in value or any(ord(char) < 32 for char in value):
            raise ValueError("MAIL_FROM must be an email address (or `Name <address>`)")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        networks = []
        for entry in (part.strip() for part in value.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(
                    f"TRUSTED_PROXIES must be comma-separated IP addresses or CIDR networks; "
                    f"{entry!r} is neither"
                ) from None
        return networks

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _production_is_safe(self) -> Settings:
        if self.app_env != "production":
            return self
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                "JWT_SECRET must be set to at least 32 bytes in production; "
                'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        if not self.smtp_host:
            raise ValueError(
                "SMTP_HOST must be set in production: without it messages are only logged, "
                "and nobody could verify an address or reset a password"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    def signing_secret(self) -> str:
        """The configured secret, or in development one generated once into DATA_DIR."""
        if self.jwt_secret is not None:
            secret = self.jwt_secret.get_secret_value()
            if len(secret.encode()) < MIN_SECRET_BYTES:
                raise ValueError("JWT_SECRET must be at least 32 bytes")
            return secret
        return _generated_secret(self.data_dir)


def _generated_secret(data_dir: Path) -> str:
    path = data_dir / SECRET_FILE_NAME
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written aside, then linked into place: when several workers start together exactly one
    # secret wins, and nobody ever reads a half-written file.
    candidate = data_dir / f".{SECRET_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(candidate, path)
    except FileExistsError:
        pass
    finally:
        candidate.unlink()
    return path.read_text(encoding="utf-8").strip()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests pass their own Settings to create_app instead."""
    return Settings()
