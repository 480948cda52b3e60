"""End every session of a user, for an admin: each of its tokens is refused from now on."""

from sqlalchemy.orm import Session

from features.end_user_sessions.schemas import EndUserSessionsRequest
from shared.accounts.principal import Principal
from shared.accounts.revocation import revoke_user_sessions
from shared.audit.emitter import record_event
from shared.audit.events import EventType
from shared.db.models import User
from shared.errors import NotFoundError
from shared.values import is_row_id


def handle(request: EndUserSessionsRequest, *, session: Session, caller: Principal) -> None:
    """Revoke every live session of the user (the admin's own too, when it is the admin).

    Raises NotFoundError for an unknown user.
    """
    if not is_row_id(request.user_id) or session.get(User, request.user_id) is None:
        raise NotFoundError("No such user.")
    if revoke_user_sessions(session, user_id=request.user_id):
        record_event(
            session,
            EventType.SESSION_REVOKED,
            reason="all_sessions",
            user_id=request.user_id,
            actor_user_id=caller.user_id,
        )
    session.commit()
