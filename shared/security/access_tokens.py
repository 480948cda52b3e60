"""Access tokens: JWTs with a `kid`, verified by that key with its algorithm pinned."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt

from shared.security.keys import KeyStore, SigningKey, symmetric_key_set

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
    """`secret` is the root secret (refresh-token MACs; HS* signing); `keys` sign and verify.

    Without `keys`, the secret's own HS key: what a test or a script needs.
    """

    secret: str
    issuer: str
    audience: str
    algorithm: str
    access_ttl: timedelta
    keys: KeyStore = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.keys is None:
            keys = symmetric_key_set(
                self.secret, algorithm=self.algorithm, access_ttl=self.access_ttl
            )
            object.__setattr__(self, "keys", KeyStore.static(keys))


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
    key = settings.keys.current().signing_key(now)
    return jwt.encode(payload, key.signing, algorithm=key.alg, headers={"kid": key.kid})


class TokenRejectedError(Exception):
    """The token is not an acceptable access token; the message says why (for logs only)."""


def decode_access_token(token: str, *, settings: TokenSettings) -> AccessClaims:
    claims = _verified_claims(token, _key_for(token, settings), settings)
    # Cached is the verified signature and claims, never a verdict on time: expiry is checked
    # on every use, as PyJWT checks it (expired when exp <= now).
    if claims.expires_at <= datetime.now(UTC):
        raise TokenRejectedError("Signature has expired")
    return claims


def _key_for(token: str, settings: TokenSettings) -> SigningKey:
    """The published key the token names; none, or another algorithm than the key's, refuses.

    Pinning the key's own algorithm is what defeats `alg: none` and an HS256 token "signed"
    with a public key: the header may only name what the key already is.
    """
    kid, alg = _header_of(token)
    now = datetime.now(UTC)
    key = settings.keys.current().verifying_key(kid, now)
    if key is None:
        # Another worker may have rotated a moment ago: look at the file now (rate-bounded).
        key = settings.keys.after_unknown_kid().verifying_key(kid, now)
    if key is None:
        raise TokenRejectedError("unknown or retired kid")
    if alg != key.alg:
        raise TokenRejectedError("alg does not match the key's")
    return key


@lru_cache(maxsize=1024)
def _header_of(token: str) -> tuple[str, object]:
    """The token's `kid` and `alg`, as its header says (unverified): parsed once per token,
    since PyJWT decodes the whole token to read it. A malformed one raises, and is not cached."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenRejectedError(str(exc)) from exc
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise TokenRejectedError("no kid in the header")
    return kid, header.get("alg")


# A token's signature and claims never change, and a client presents the same access token
# on every request for its lifetime: PyJWT's verification is done once per token and worker.
# Rejections raise, so they are never cached.
# Revocation is not decided here: the auth check still reads the session row every time.
# The key is part of the cache key, and it is looked up (published, not retired) before the
# cache is asked: a retired key's tokens are refused from the moment this worker sees the
# retirement, cached or not.
@lru_cache(maxsize=1024)
def _verified_claims(token: str, key: SigningKey, settings: TokenSettings) -> AccessClaims:
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            key.verifying,
            algorithms=[key.alg],
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
