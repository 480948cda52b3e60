"""Password hashing and policy, access-token JWTs and refresh-token derivation."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import os
import re
import secrets
import threading
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import bcrypt
import jwt

ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value
MAX_PASSWORD_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")

# bcrypt pins a core while it runs; more hashes at once than cores only queue in the kernel
# and hold threads (and their database connections) hostage. Waiters block here instead.
_hashing_slots = threading.BoundedSemaphore(os.cpu_count() or 1)


# --- passwords -----------------------------------------------------------------------------


def normalize_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def password_problems(password: str, *, email: str | None, min_length: int) -> list[str]:
    """Why a new password is refused (NIST SP 800-63B); empty when it is acceptable."""
    normalized = normalize_password(password)
    problems = []
    if len(normalized) < min_length:
        problems.append(f"Password must be at least {min_length} characters.")
    if len(normalized) > MAX_PASSWORD_LENGTH:
        problems.append(f"Password must be at most {MAX_PASSWORD_LENGTH} characters.")
    if any(unicodedata.category(char) == "Cc" for char in normalized):
        problems.append("Password must not contain control characters.")
    if email is not None and normalized.casefold() == email.strip().casefold():
        problems.append("Password must not be the email address.")
    if normalized.casefold() in common_passwords():
        problems.append("Password is too common; choose another.")
    return problems


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().casefold() for line in handle if line.strip())


def _bcrypt_input(password: str) -> bytes:
    # bcrypt reads only 72 bytes; a SHA-256 pre-hash makes every character count. Base64 keeps
    # NUL bytes (which bcrypt would stop at) out of its input.
    digest = hashlib.sha256(normalize_password(password).encode("utf-8")).digest()
    return base64.b64encode(digest)


def hash_password(password: str, *, rounds: int) -> str:
    with _hashing_slots:
        return bcrypt.hashpw(_bcrypt_input(password), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    try:
        encoded = hashed.encode("ascii")
    except UnicodeEncodeError:
        return False
    with _hashing_slots:
        try:
            return bcrypt.checkpw(_bcrypt_input(password), encoded)
        except ValueError:
            return False


def hash_rounds(hashed: str) -> int:
    """The cost a bcrypt hash was made with (`$2b$12$...` -> 12)."""
    return int(hashed.split("$")[2])


_BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@cache
def dummy_hash(rounds: int) -> str:
    """A hash to verify against when the email is unknown, so both failures cost the same.

    Verifying rehashes the password with the stored salt and cost, then compares: the cost
    is the same whatever the digest part says, so a random one does and no hash is spent
    making it (a quarter of a second at cost 12, once per worker at start-up).
    """
    salt = bcrypt.gensalt(rounds).decode("ascii")
    return salt + "".join(secrets.choice(_BCRYPT_ALPHABET) for _ in range(31))


# --- access tokens -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    session_id: str
    token_id: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenSettings:
    secret: str
    issuer: str
    audience: str
    algorithm: str
    access_ttl: timedelta


def create_access_token(
    *, user_id: int, session_id: str, now: datetime, settings: TokenSettings
) -> str:
    payload = {
        "iss": settings.issuer,
        "aud": settings.audience,
        "sub": str(user_id),
        "sid": session_id,
        "typ": ACCESS_TOKEN_TYPE,
        "jti": uuid.uuid4().hex,
        "iat": int(now.timestamp()),
        "exp": int((now + settings.access_ttl).timestamp()),
    }
    return jwt.encode(payload, settings.secret, algorithm=settings.algorithm)


class TokenRejectedError(Exception):
    """The token is not an acceptable access token; the message says why (for logs only)."""


def decode_access_token(token: str, *, settings: TokenSettings) -> AccessClaims:
    claims = _verified_claims(token, settings)
    # Cached is the verified signature and claims, never a verdict on time: expiry is checked
    # on every use, as PyJWT checks it (expired when exp <= now).
    if claims.expires_at <= datetime.now(UTC):
        raise TokenRejectedError("Signature has expired")
    return claims


# A token's signature and claims never change, and a client presents the same access token
# on every request for its lifetime: PyJWT's verification (8% of an authenticated read in
# the profile) is done once per token and worker. Rejections raise, so they are never cached.
# Revocation is not decided here: the auth check still reads the session row every time.
@lru_cache(maxsize=1024)
def _verified_claims(token: str, settings: TokenSettings) -> AccessClaims:
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            settings.secret,
            algorithms=[settings.algorithm],
            audience=settings.audience,
            issuer=settings.issuer,
            options={"require": ["iss", "aud", "sub", "iat", "exp", "jti", "sid", "typ"]},
        )
    except jwt.PyJWTError as exc:
        raise TokenRejectedError(str(exc)) from exc
    if payload["typ"] != ACCESS_TOKEN_TYPE:
        raise TokenRejectedError("not an access token")
    subject, session_id, token_id = payload["sub"], payload["sid"], payload["jti"]
    if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
        raise TokenRejectedError("malformed subject")
    if not (isinstance(session_id, str) and isinstance(token_id, str)):
        raise TokenRejectedError("malformed session or token id")
    issued_at, expires_at = payload["iat"], payload["exp"]
    return AccessClaims(
        user_id=int(subject),
        session_id=session_id,
        token_id=token_id,
        issued_at=datetime.fromtimestamp(issued_at, UTC),
        expires_at=datetime.fromtimestamp(expires_at, UTC),
    )


# --- refresh tokens ------------------------------------------------------------------------

_URLSAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,43}")
_URLSAFE_MAC = re.compile(r"[A-Za-z0-9_-]{1,64}")
REFRESH_TOKEN_PREFIX = "rt1"  # noqa: S105 - a format tag


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


def new_refresh_key() -> bytes:
    return secrets.token_bytes(32)


def refresh_token_for(*, session_id: str, generation: int, refresh_key: bytes, secret: str) -> str:
    """The refresh token of one generation of a session.

    Derived, not stored: the database keeps only random key material, so a stolen database
    alone cannot mint tokens, yet a retried refresh can be given the same successor again.
    """
    mac = _refresh_mac(
        session_id=session_id, generation=generation, refresh_key=refresh_key, secret=secret
    )
    return f"{REFRESH_TOKEN_PREFIX}.{session_id}.{generation}.{mac}"


@dataclass(frozen=True, slots=True)
class RefreshTokenParts:
    session_id: str
    generation: int
    mac: str


def parse_refresh_token(token: str) -> RefreshTokenParts | None:
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != REFRESH_TOKEN_PREFIX:
        return None
    _, session_id, generation, mac = parts
    if not (generation.isascii() and generation.isdigit() and len(generation) <= 9):
        return None
    # Only what we issue (URL-safe base64): anything else, a NUL byte say, never reaches SQL.
    if not (_URLSAFE_ID.fullmatch(session_id) and _URLSAFE_MAC.fullmatch(mac)):
        return None
    return RefreshTokenParts(session_id=session_id, generation=int(generation), mac=mac)


def refresh_mac_matches(
    parts: RefreshTokenParts, *, generation: int, refresh_key: bytes, secret: str
) -> bool:
    expected = _refresh_mac(
        session_id=parts.session_id, generation=generation, refresh_key=refresh_key, secret=secret
    )
    return hmac.compare_digest(expected, parts.mac)


def _refresh_mac(*, session_id: str, generation: int, refresh_key: bytes, secret: str) -> str:
    key = hashlib.sha256(b"refresh-token\x00" + secret.encode() + b"\x00" + refresh_key).digest()
    message = f"{session_id}.{generation}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
