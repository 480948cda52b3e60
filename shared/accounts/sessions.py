"""A user's live sessions (neither revoked nor expired), newest first, as the lists show them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db.models import AuthSession, utcnow


def live_sessions(session: Session, *, user_id: int) -> Sequence[AuthSession]:
    """The user's sessions that still accept tokens, newest first (ties broken by id)."""
    return session.scalars(
        select(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > utcnow(),
        )
        .order_by(AuthSession.created_at.desc(), AuthSession.id.desc())
    ).all()
