"""Refresh-token rotation, and ending the session of a genuine refresh token.

Two routes spend refresh tokens (POST /api/auth/refresh and the token endpoint's
refresh_token grant) and two end sessions with one (logout, revocation): one rule each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shared.db.models import AuthSession, User, utcnow
from shared.errors import InvalidTokenError, RefreshTokenReusedError
from shared.observability.logs import security_event
from shared.security.access_tokens import TokenSettings, create_access_token
from shared.security.refresh_tokens import (
    RefreshTokenParts,
    parse_refresh_token,
    refresh_mac_matches,
    refresh_token_for,
)


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int


@dataclass(frozen=True, slots=True)
class _SessionState:
    id: str
    user_id: int
    refresh_key: bytes
    generation: int
    rotated_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None
    user_is_active: bool

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.user_is_active


def rotate_refresh_token(
    token: str, *, session: Session, grace: timedelta, token_settings: TokenSettings
) -> IssuedTokens:
    """Spend a refresh token for a new pair; a spent one back after `grace` ends its session.

    Raises InvalidTokenError, or RefreshTokenReusedError after ending the session. Commits.
    """
    parts = parse_refresh_token(token)
    if parts is None:
        raise InvalidTokenError()
    now = utcnow()
    state = _load(session, parts.session_id)
    if state is None or not _is_genuine(parts, state, secret=token_settings.secret):
        # A forged token must not be able to end somebody's session, so nothing is revoked.
        raise InvalidTokenError()
    if not state.is_live(now):
        raise InvalidTokenError()

    if parts.generation == state.generation:
        # The one atomic step: of racing requests with one token, exactly one matches.
        rotated = session.execute(
            update(AuthSession)
            .where(
                AuthSession.id == state.id,
                AuthSession.generation == state.generation,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
            )
            .values(generation=state.generation + 1, rotated_at=now)
        )
        if rotated.rowcount == 1:  # type: ignore[attr-defined]
            session.commit()
            return _token_pair(
                state, generation=state.generation + 1, now=now, tokens=token_settings
            )
        # Lost the race: judge the token against what the winner left behind.
        state = _load(session, parts.session_id)
        if state is None or not state.is_live(now):
            raise InvalidTokenError()

    if _is_retry_within_grace(parts, state, now=now, grace=grace):
        # A retry or a second tab: the same successor again, and a fresh access token.
        session.rollback()
        return _token_pair(state, generation=state.generation, now=now, tokens=token_settings)

    # A spent token is back: whoever holds it (or its successor) may be a thief. End it all.
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == state.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.commit()
    security_event("refresh_reuse_detected", user_id=state.user_id, session_id=state.id)
    raise RefreshTokenReusedError()


def end_session_of_refresh_token(
    token: str, *, session: Session, token_settings: TokenSettings
) -> tuple[str, int] | None:
    """End the session of a genuine refresh token, current or spent: (session id, user id).

    Only a token this server issued may end a session; a forged one changes nothing (None).
    A spent one qualifies: its holder is that session's user (or a thief of it). Commits.
    """
    parts = parse_refresh_token(token)
    if parts is None:
        return None
    row = session.execute(
        select(AuthSession.refresh_key, AuthSession.generation, AuthSession.user_id).where(
            AuthSession.id == parts.session_id
        )
    ).one_or_none()
    if (
        row is None
        or parts.generation > row.generation
        or not refresh_mac_matches(
            parts,
            generation=parts.generation,
            refresh_key=row.refresh_key,
            secret=token_settings.secret,
        )
    ):
        session.rollback()
        return None
    end_session(session, session_id=parts.session_id)
    return parts.session_id, int(row.user_id)


def end_session(session: Session, *, session_id: str) -> None:
    """Revoke one login session now (idempotent). Commits."""
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.commit()


def _load(session: Session, session_id: str) -> _SessionState | None:
    row = session.execute(
        select(
            AuthSession.id,
            AuthSession.user_id,
            AuthSession.refresh_key,
            AuthSession.generation,
            AuthSession.rotated_at,
            AuthSession.expires_at,
            AuthSession.revoked_at,
            User.is_active,
        )
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.id == session_id)
    ).one_or_none()
    if row is None:
        return None
    return _SessionState(*row)


def _is_genuine(parts: RefreshTokenParts, state: _SessionState, *, secret: str) -> bool:
    return parts.generation <= state.generation and refresh_mac_matches(
        parts, generation=parts.generation, refresh_key=state.refresh_key, secret=secret
    )


def _is_retry_within_grace(
    parts: RefreshTokenParts, state: _SessionState, *, now: datetime, grace: timedelta
) -> bool:
    return (
        parts.generation == state.generation - 1
        and state.rotated_at is not None
        # A request that began before the rotation it lost to sees it in its future: that is
        # no time elapsed, and with a grace of zero still reuse.
        and max(now - state.rotated_at, timedelta(0)) < grace
    )


def _token_pair(
    state: _SessionState, *, generation: int, now: datetime, tokens: TokenSettings
) -> IssuedTokens:
    return IssuedTokens(
        access_token=create_access_token(
            user_id=state.user_id, session_id=state.id, now=now, settings=tokens
        ),
        refresh_token=refresh_token_for(
            session_id=state.id,
            generation=generation,
            refresh_key=state.refresh_key,
            secret=tokens.secret,
        ),
        expires_in=int(tokens.access_ttl.total_seconds()),
        refresh_expires_in=int((state.expires_at - now).total_seconds()),
    )
