"""List the caller's live sessions, newest first, marking the one they call from."""

from sqlalchemy.orm import Session

from features.list_my_sessions.schemas import (
    ListedSession,
    ListMySessionsRequest,
    ListMySessionsResponse,
)
from shared.accounts.principal import Principal
from shared.accounts.sessions import live_sessions


def handle(
    request: ListMySessionsRequest,  # noqa: ARG001 - nothing to ask: the caller is all
    *,
    session: Session,
    caller: Principal,
) -> ListMySessionsResponse:
    """The caller's sessions that are neither revoked nor expired.

    Raises nothing.
    """
    live = live_sessions(session, user_id=caller.user_id)
    return ListMySessionsResponse(
        items=[
            ListedSession(
                id=row.id,
                ip=row.ip,
                user_agent=row.user_agent,
                created_at=row.created_at,
                last_refreshed_at=row.last_refreshed_at,
                expires_at=row.expires_at,
                current=row.id == caller.session_id,
            )
            for row in live
        ]
    )
