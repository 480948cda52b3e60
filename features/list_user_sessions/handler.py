"""List a user's live sessions, newest first, for an admin."""

from sqlalchemy.orm import Session

from features.list_user_sessions.schemas import (
    ListedSession,
    ListUserSessionsRequest,
    ListUserSessionsResponse,
)
from shared.accounts.sessions import live_sessions
from shared.db.models import User
from shared.errors import NotFoundError
from shared.values import is_row_id


def handle(request: ListUserSessionsRequest, *, session: Session) -> ListUserSessionsResponse:
    """The user's sessions that are neither revoked nor expired. The caller must be an admin.

    Raises NotFoundError for an unknown user.
    """
    if not is_row_id(request.user_id) or session.get(User, request.user_id) is None:
        raise NotFoundError("No such user.")
    live = live_sessions(session, user_id=request.user_id)
    return ListUserSessionsResponse(
        items=[
            ListedSession(
                id=row.id,
                ip=row.ip,
                user_agent=row.user_agent,
                created_at=row.created_at,
                last_refreshed_at=row.last_refreshed_at,
                expires_at=row.expires_at,
                current=False,
            )
            for row in live
        ]
    )
