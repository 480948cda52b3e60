"""One-time tokens sent by mail: random, stored as SHA-256 only, spent by one atomic update."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from shared.db.models import OneTimeToken, utcnow

Purpose = Literal["verify_email", "reset_password"]

# 32 random bytes (256 bits) as URL-safe base64: 43 characters.
TOKEN_BYTES = 32
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def digest(value: str | bytes) -> bytes:
    """SHA-256 of a token or of the state a token is bound to."""
    return hashlib.sha256(value.encode() if isinstance(value, str) else value).digest()


def binding_for(purpose: Purpose, *, email_key: str, hashed_password: str) -> bytes:
    """What a token of this purpose is bound to: the password for a reset, the address else.

    A reset link dies with any password change; a verification link with any email change.
    """
    state = hashed_password if purpose == "reset_password" else email_key
    return digest(f"{purpose}\x00{state}")


def issue(
    session: Session,
    *,
    purpose: Purpose,
    user_id: int,
    binding: bytes,
    ttl: timedelta,
    now: datetime | None = None,
) -> str:
    """A new token for the user, superseding every earlier one of the purpose. Does not commit.

    Returns the token itself, which is never stored: only its SHA-256 is.
    """
    now = now or utcnow()
    # Superseded tokens are deleted: to whoever presents one it is as unknown as a typo.
    session.execute(
        delete(OneTimeToken).where(OneTimeToken.user_id == user_id, OneTimeToken.purpose == purpose)
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        OneTimeToken(
            token_hash=digest(token),
            purpose=purpose,
            user_id=user_id,
            binding=binding,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return token


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """Whom a live token was issued to, and the state it is bound to."""

    token_hash: bytes
    user_id: int
    binding: bytes


def well_formed(token: str) -> bool:
    """Whether a string could be one of our tokens (anything else never reaches SQL)."""
    return _TOKEN_SHAPE.fullmatch(token) is not None


def find_live(
    session: Session, token: str, *, purpose: Purpose, now: datetime | None = None
) -> TokenHolder | None:
    """The holder of an unspent, unexpired token of the purpose, or None. Spends nothing."""
    if not well_formed(token):
        return None
    row = session.execute(
        select(OneTimeToken.token_hash, OneTimeToken.user_id, OneTimeToken.binding).where(
            OneTimeToken.token_hash == digest(token),
            OneTimeToken.purpose == purpose,
            OneTimeToken.spent_at.is_(None),
            OneTimeToken.expires_at > (now or utcnow()),
        )
    ).one_or_none()
    if row is None:
        return None
    return TokenHolder(token_hash=row.token_hash, user_id=row.user_id, binding=row.binding)


def spend(
    session: Session,
    token: str,
    *,
    purpose: Purpose,
    binding: bytes,
    now: datetime | None = None,
) -> int | None:
    """Spend a live token bound to `binding`; returns its user's id, or None. Does not commit.

    One conditional UPDATE decides: of two racing confirmations exactly one matches the row
    while `spent_at` is still null (PostgreSQL re-checks the condition after the first
    commits; SQLite's write lock runs them one after the other).
    """
    if not well_formed(token):
        return None
    now = now or utcnow()
    return session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.token_hash == digest(token),
            OneTimeToken.purpose == purpose,
            OneTimeToken.binding == binding,
            OneTimeToken.spent_at.is_(None),
            OneTimeToken.expires_at > now,
        )
        .values(spent_at=now)
        .returning(OneTimeToken.user_id)
    ).scalar_one_or_none()
