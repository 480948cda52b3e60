"""What production refuses to start with (README, "Refused in production")."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from shared.config.secret_file import MIN_SECRET_BYTES

if TYPE_CHECKING:
    from shared.config.settings import Settings

MIN_PRODUCTION_BCRYPT_ROUNDS = 10
MAX_PRODUCTION_ACCESS_TTL = timedelta(hours=1)


def production_problems(settings: Settings) -> list[str]:
    """Every setting that is unsafe in production, each with what to do about it."""
    problems = []
    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else ""
    if len(secret.encode()) < MIN_SECRET_BYTES:
        problems.append(
            "JWT_SECRET must be set to at least 32 bytes in production; "
            'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    if settings.jwt_algorithm in {"ES256", "EdDSA", "RS256"} and not settings.keys_file.is_file():
        problems.append(
            f"JWT_ALGORITHM={settings.jwt_algorithm} needs its key file, and JWT_KEYS_FILE "
            f"{settings.keys_file} does not exist; create it with `python main.py rotate-keys` "
            "(production never generates signing keys on its own)"
        )
    if any(network.prefixlen == 0 for network in settings.trusted_proxies):
        problems.append(
            "TRUSTED_PROXIES must not trust every address (0.0.0.0/0, ::/0): anyone could "
            "pick their own client IP; list your proxies' addresses"
        )
    if "*" in settings.cors_origins:
        problems.append("CORS_ORIGINS must list your front ends' origins, not *")
    if not settings.rate_limit_enabled:
        problems.append("RATE_LIMIT_ENABLED must be true: it is what stops password guessing")
    if settings.bcrypt_rounds < MIN_PRODUCTION_BCRYPT_ROUNDS:
        problems.append(f"BCRYPT_ROUNDS must be at least {MIN_PRODUCTION_BCRYPT_ROUNDS}")
    if settings.access_token_ttl > MAX_PRODUCTION_ACCESS_TTL:
        problems.append(
            "ACCESS_TOKEN_TTL_SECONDS must be at most 3600: an access token cannot be "
            "recalled before it expires"
        )
    if not settings.smtp_host:
        problems.append(
            "SMTP_HOST must be set in production: without it messages are only logged, "
            "and nobody could verify an address or reset a password"
        )
    return problems
