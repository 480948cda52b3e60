"""GET /api/users/{user_id}/sessions: the HTTP side of an admin listing a user's sessions."""

from fastapi import APIRouter

from features.list_user_sessions import handler
from features.list_user_sessions.schemas import ListUserSessionsRequest, ListUserSessionsResponse
from shared.http.caller import AdminUser
from shared.http.dependencies import SessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["sessions"])


@router.get("/api/users/{user_id:int}/sessions", responses=problem_responses(401, 403, 404, 422))
def list_user_sessions(
    user_id: int, _admin: AdminUser, session: SessionDep
) -> ListUserSessionsResponse:
    """List a user's live sessions, newest first. Admins only."""
    return handler.handle(ListUserSessionsRequest(user_id=user_id), session=session)
