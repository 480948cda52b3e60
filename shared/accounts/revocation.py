"""Ending every session of a user, so its tokens are refused from the next request on."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from shared.db.models import AuthSession, utcnow


def revoke_user_sessions(session: Session, *, user_id: int) -> int:
    """End every live session of a user, so each token issued so far is refused from now on.

    Called on password change, deactivation, role change and deletion. Does not commit.
    """
    result = session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
