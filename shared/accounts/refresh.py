"""Refresh-token rotation, and ending the session of a genuine refresh token.

Two routes spend refresh tokens (POST /api/auth/refresh and the token endpoint's
refresh_token grant) and two end sessions with one (logout, revocation): one rule each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shared.audit.emitter import record_event
from shared.audit.events import EventType, Outcome
from shared.db.models import AuthSession, User, utcnow
from shared.errors import InvalidTokenError, RefreshTokenReusedError
from shared.security.access_tokens import TokenSettings, create_access_token
from shared.security.refresh_tokens import (
    RefreshTokenParts,
    parse_refresh_token,
    refresh_mac_matches,
    refresh_token_for,
)

# local: the token's own session; others: every other session of its user; global: all.
SessionScope = Literal["local", "others", "global"]


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
            .values(generation=state.generation + 1, rotated_at=now, last_refreshed_at=now)
        )
        if rotated.rowcount == 1:  # type: ignore[attr-defined]
            record_event(
                session, EventType.TOKEN_REFRESHED, user_id=state.user_id, session_id=state.id
            )
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
    record_event(
        session,
        EventType.TOKEN_REUSE_DETECTED,
        outcome=Outcome.FAILURE,
        reason=RefreshTokenReusedError.code,
        user_id=state.user_id,
        session_id=state.id,
    )
    session.commit()
    raise RefreshTokenReusedError()


def end_session_of_refresh_token(
    token: str,
    *,
    session: Session,
    token_settings: TokenSettings,
    event: EventType,
    scope: SessionScope = "local",
) -> bool:
    """End the session of a genuine refresh token, current or spent (or, with `scope`, the
    user's other sessions or all of them), recording `event`. Whether it was genuine.

    Only a token this server issued may end a session; a forged one changes nothing. A spent
    one qualifies for its own session: its holder is that session's user (or a thief of it).
    Only the current token of a live session speaks for the user's other sessions; a spent
    one ends its own only, whatever scope it asks for. Commits.
    """
    parts = parse_refresh_token(token)
    if parts is None:
        return False
    row = session.execute(
        select(
            AuthSession.refresh_key,
            AuthSession.generation,
            AuthSession.user_id,
            AuthSession.revoked_at,
            AuthSession.expires_at,
        ).where(AuthSession.id == parts.session_id)
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
        return False
    now = utcnow()
    speaks_for_user = (
        parts.generation == row.generation and row.revoked_at is None and row.expires_at > now
    )
    applied: SessionScope = scope if speaks_for_user else "local"
    ending = update(AuthSession).where(AuthSession.revoked_at.is_(None))
    if applied == "local":
        ending = ending.where(AuthSession.id == parts.session_id)
    else:
        ending = ending.where(AuthSession.user_id == row.user_id)
        if applied == "others":
            ending = ending.where(AuthSession.id != parts.session_id)
    ended = session.execute(ending.values(revoked_at=now)).rowcount  # type: ignore[attr-defined]
    if ended:
        record_event(
            session, event, reason=applied, user_id=int(row.user_id), session_id=parts.session_id
        )
    session.commit()
    return True


def end_session(session: Session, *, session_id: str, user_id: int, event: EventType) -> None:
    """Revoke one login session now (idempotent), recording `event` if it was live. Commits."""
    ended = session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount  # type: ignore[attr-defined]
    if ended:
        record_event(session, event, user_id=user_id, session_id=session_id)
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
