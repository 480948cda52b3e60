"""Delete a user: the user themself or an admin, never the last active admin."""

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from features.delete_user.schemas import DeleteUserRequest
from shared.accounts.admins import ensure_another_active_admin, ensure_still_admin
from shared.accounts.principal import Principal
from shared.audit.emitter import record_event
from shared.audit.events import EventType
from shared.db.models import Role, User
from shared.errors import NotFoundError, PreconditionFailedError
from shared.http.etags import if_match_passes
from shared.values import is_row_id


def handle(request: DeleteUserRequest, *, session: Session, caller: Principal) -> None:
    """Delete the user and, with it, every session it had.

    Raises NotFoundError for an unknown id or another user's (to a non-admin),
    PreconditionFailedError when If-Match is stale, and LastAdminError for the last admin.
    """
    user_id = request.user_id
    if not caller.is_admin and user_id != caller.user_id:
        raise NotFoundError("No such user.")
    user = session.get(User, user_id) if is_row_id(user_id) else None
    if user is None:
        raise NotFoundError("No such user.")
    if not if_match_passes(request.if_match, user.etag):
        raise PreconditionFailedError()
    if user_id != caller.user_id:
        ensure_still_admin(session, user_id=caller.user_id)
    if user.role == Role.ADMIN.value and user.is_active:
        ensure_another_active_admin(session, user_id=user.id)
    # Its sessions go with it (ON DELETE CASCADE), so every token it had stops working at once.
    session.delete(user)
    # The event keeps the user's id after the row is gone: events have no foreign key.
    record_event(session, EventType.USER_DELETED, user_id=user_id, actor_user_id=caller.user_id)
    try:
        session.commit()
    except StaleDataError:
        # Changed by someone else after we read it (version_id_col): theirs stands, ours is refused.
        session.rollback()
        raise PreconditionFailedError() from None
