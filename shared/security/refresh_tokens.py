"""Refresh tokens: opaque `rt1.<sid>.<gen>.<mac>`, derived, never stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

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
