"""The last-active-admin rule, checked inside the write transaction of the change."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db.models import Role, User
from shared.errors import LastAdminError


def ensure_another_active_admin(session: Session, *, user_id: int) -> None:
    """Refuse (409) to demote, deactivate or delete the last active admin. Call it inside the
    write transaction that makes the change, before the change.

    Every active admin row is locked FOR UPDATE in id order: on PostgreSQL, two admins removing
    each other queue here (one order, so no deadlock) and the second sees the first's change.
    SQLite ignores FOR UPDATE; there the write transaction already holds the only write lock.
    """
    active_admins = session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN.value, User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()
    if not set(active_admins) - {user_id}:
        raise LastAdminError()
