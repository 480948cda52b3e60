"""Access tokens: signed JWTs with pinned algorithm, issuer, audience and type."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt

ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value


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
# on every request for its lifetime: PyJWT's verification is done once per token and worker.
# Rejections raise, so they are never cached.
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
