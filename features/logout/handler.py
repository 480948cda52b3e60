"""Log out: end the session of a genuine refresh token, current or spent; ignore the rest."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from features.logout.schemas import LogoutRequest
from shared.db.models import AuthSession, utcnow
from shared.observability.logs import security_event
from shared.security.access_tokens import TokenSettings
from shared.security.refresh_tokens import parse_refresh_token, refresh_mac_matches


def handle(request: LogoutRequest, *, session: Session, token_settings: TokenSettings) -> None:
    """End the session of a genuine refresh token, current or spent.

    Raises nothing: any other token is ignored, so the answer says nothing about it (no oracle).
    """
    parts = parse_refresh_token(request.refresh_token)
    if parts is None:
        return
    row = session.execute(
        select(AuthSession.refresh_key, AuthSession.generation, AuthSession.user_id).where(
            AuthSession.id == parts.session_id
        )
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
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == parts.session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.commit()
    security_event("logout", user_id=row.user_id, session_id=parts.session_id)
