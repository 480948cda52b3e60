"""The one Settings class: every operator-facing setting, parsed and checked at start-up."""

from __future__ import annotations

import ipaddress
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

from shared.config.production import production_problems
from shared.config.secret_file import MIN_SECRET_BYTES, generated_secret


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
    jwt_algorithm: Literal["HS256", "HS384", "HS512", "ES256", "EdDSA", "RS256"] = "HS256"
    jwt_keys_file: Path | None = None
    jwt_key_activation: NonNegativeDuration = Field(
        default=timedelta(seconds=600), validation_alias="JWT_KEY_ACTIVATION_SECONDS"
    )
    introspection_clients: Annotated[dict[str, SecretStr], NoDecode] = Field(default_factory=dict)
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
    # Every account together: one address cannot spray passwords across accounts.
    rate_limit_login_ip: str = "30/minute;300/hour"
    rate_limit_login_failures: str = "20/15minutes"
    rate_limit_register: str = "5/minute;50/hour"
    rate_limit_refresh: str = "60/minute"
    rate_limit_logout: str = "60/minute"
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
    audit_retention_days: int = Field(default=90, ge=1, le=36_500)
    # Set: GET /metrics answers a caller presenting it, and the workers record metrics.
    metrics_token: SecretStr | None = None

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        # METRICS_TOKEN= in a .env file means no metrics, not a token anyone can guess.
        return None if isinstance(value, str) and not value.strip() else value

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
        "rate_limit_login_ip",
        "rate_limit_login_failures",
        "rate_limit_register",
        "rate_limit_refresh",
        "rate_limit_logout",
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

    @field_validator("introspection_clients", mode="before")
    @classmethod
    def _split_clients(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        clients: dict[str, str] = {}
        for entry in (part.strip() for part in value.split(",")):
            if not entry:
                continue
            client_id, separator, secret = entry.partition(":")
            if not separator or not client_id or len(secret.encode()) < 16:
                # The value is not echoed: it holds secrets.
                raise ValueError(
                    "INTROSPECTION_CLIENTS must be id:secret pairs separated by commas, each "
                    "secret at least 16 bytes"
                )
            clients[client_id] = secret
        return clients

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _database_follows_data_dir(self) -> Settings:
        # Unset, the SQLite file lives in DATA_DIR with the rest of what the service writes.
        if "database_url" not in self.model_fields_set:
            self.database_url = f"sqlite:///{(self.data_dir / 'app.db').as_posix()}"
        return self

    @model_validator(mode="after")
    def _production_is_safe(self) -> Settings:
        problems = production_problems(self) if self.app_env == "production" else []
        if problems:
            raise ValueError("unsafe in production (APP_ENV=production): " + "; ".join(problems))
        return self

    @property
    def keys_file(self) -> Path:
        """JWT_KEYS_FILE, by default jwt-keys.json in DATA_DIR."""
        return self.jwt_keys_file or self.data_dir / "jwt-keys.json"

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
        return generated_secret(self.data_dir)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests pass their own Settings to create_app instead."""
    return Settings()
