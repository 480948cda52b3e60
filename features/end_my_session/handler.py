"""End one of the caller's own sessions; any other id changes nothing."""

import re

from sqlalchemy import update
from sqlalchemy.orm import Session

from features.end_my_session.schemas import EndMySessionRequest
from shared.accounts.principal import Principal
from shared.audit.emitter import record_event
from shared.audit.events import EventType
from shared.db.models import AuthSession, utcnow

# The alphabet and size of the ids new_session_id makes (URL-safe base64), with room to spare.
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def handle(request: EndMySessionRequest, *, session: Session, caller: Principal) -> None:
    """End the session if it is one of the caller's live ones: its tokens stop working at once
    (the auth check reads the session row on every request).

    Raises nothing: another user's id, an unknown or an ended one is no error (no oracle).
    """
    if not SESSION_ID.fullmatch(request.session_id):
        # No session has such an id; PostgreSQL would refuse some of them (a NUL) outright.
        return
    ended = session.execute(
        update(AuthSession)
        .where(
            AuthSession.id == request.session_id,
            AuthSession.user_id == caller.user_id,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    ).rowcount  # type: ignore[attr-defined]
    if not ended:
        session.rollback()
        return
    record_event(
        session, EventType.SESSION_REVOKED, user_id=caller.user_id, session_id=request.session_id
    )
    session.commit()
