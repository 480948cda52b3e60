"""Log out: end the session of a genuine refresh token (or the user's others, or all of them)."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from features.logout.schemas import LogoutRequest
from shared.audit.emitter import record_event
from shared.audit.events import EventType
from shared.db.models import AuthSession, utcnow
from shared.security.access_tokens import TokenSettings
from shared.security.refresh_tokens import parse_refresh_token, refresh_mac_matches


def handle(request: LogoutRequest, *, session: Session, token_settings: TokenSettings) -> None:
    """End the session of a genuine refresh token, current or spent, or as `scope` says.

    Raises nothing: any other token is ignored, so the answer says nothing about it (no oracle).
    """
    parts = parse_refresh_token(request.refresh_token)
    if parts is None:
        return
    row = session.execute(
        select(
            AuthSession.refresh_key,
            AuthSession.generation,
            AuthSession.user_id,
            AuthSession.revoked_at,
            AuthSession.expires_at,
        ).where(AuthSession.id == parts.session_id)
    ).one_or_none()
    # Only a token this server issued may end a session; a forged one changes nothing. A spent
    # one of the session qualifies: its holder is that session's user (or a thief of it).
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
        return
    now = utcnow()
    ending = update(AuthSession).where(AuthSession.revoked_at.is_(None))
    # Only the current token of a live session speaks for the user's other sessions; a spent
    # one may be a thief's, and ends its own session only, whatever scope it asks for.
    speaks_for_user = (
        parts.generation == row.generation and row.revoked_at is None and row.expires_at > now
    )
    scope = request.scope if speaks_for_user else "local"
    if scope == "local":
        ending = ending.where(AuthSession.id == parts.session_id)
    else:
        ending = ending.where(AuthSession.user_id == row.user_id)
        if scope == "others":
            ending = ending.where(AuthSession.id != parts.session_id)
    ended = session.execute(ending.values(revoked_at=now)).rowcount  # type: ignore[attr-defined]
    if ended:
        record_event(
            session,
            EventType.LOGOUT,
            reason=scope,
            user_id=row.user_id,
            session_id=parts.session_id,
        )
    session.commit()
