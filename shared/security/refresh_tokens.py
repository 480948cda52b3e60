"""Refresh tokens: opaque `rt1.<sid>.<gen>.<mac>`, derived, never stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

from shared.security.jwk import derive_key

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
    if hmac.compare_digest(expected, parts.mac):
        return True
    # Tokens issued before the MAC key was derived were keyed by the raw secret; they stay
    # genuine until the last such session expires (REFRESH_TOKEN_TTL_SECONDS after the
    # upgrade), and each refresh replaces one with a token of the derived key.
    legacy = _refresh_mac(
        session_id=parts.session_id,
        generation=generation,
        refresh_key=refresh_key,
        secret=secret,
        root=secret.encode(),
    )
    return hmac.compare_digest(legacy, parts.mac)


@lru_cache(maxsize=8)
def _mac_root(secret: str) -> bytes:
    # Its own label: the refresh MAC key shares nothing usable with any signing key, so signing
    # keys rotate (and HS256 tokens are verified elsewhere) without touching a session.
    return derive_key(secret, label=b"authservice refresh-token mac v1")


def _refresh_mac(
    *,
    session_id: str,
    generation: int,
    refresh_key: bytes,
    secret: str,
    root: bytes | None = None,
) -> str:
    root = _mac_root(secret) if root is None else root
    key = hashlib.sha256(b"refresh-token\x00" + root + b"\x00" + refresh_key).digest()
    message = f"{session_id}.{generation}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
