"""Admin rules checked inside the write transaction of a change: the caller is still an
active admin, and the last active admin stays."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db.models import Role, User
from shared.errors import ForbiddenError, LastAdminError


def _locked_active_admins(session: Session) -> set[int]:
    # Every active admin row, locked FOR UPDATE in id order: one order for every caller of
    # this module, so two admin changes queue here and never deadlock.
    return set(
        session.scalars(
            select(User.id)
            .where(User.role == Role.ADMIN.value, User.is_active.is_(True))
            .order_by(User.id)
            .with_for_update()
        ).all()
    )


def ensure_still_admin(session: Session, *, user_id: int) -> None:
    """Refuse (403) an admin-only change by a caller who was an admin when the request was
    authenticated and is no longer (demoted, deactivated or deleted since). Call it inside
    the write transaction that makes the change, before the change: a demotion committing
    meanwhile then either precedes it (refused) or waits for it."""
    if user_id not in _locked_active_admins(session):
        raise ForbiddenError("Only administrators may do this.")


def ensure_another_active_admin(session: Session, *, user_id: int) -> None:
    """Refuse (409) to demote, deactivate or delete the last active admin. Call it inside the
    write transaction that makes the change, before the change.

    Every active admin row is locked FOR UPDATE in id order: on PostgreSQL, two admins removing
    each other queue here (one order, so no deadlock) and the second sees the first's change.
    SQLite ignores FOR UPDATE; there the write transaction already holds the only write lock.
    """
    if not _locked_active_admins(session) - {user_id}:
        raise LastAdminError()
