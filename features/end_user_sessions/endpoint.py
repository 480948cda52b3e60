"""DELETE /api/users/{user_id}/sessions: the HTTP side of an admin ending a user's sessions."""

from fastapi import APIRouter, Response

from features.end_user_sessions import handler
from features.end_user_sessions.schemas import EndUserSessionsRequest
from shared.http.caller import AdminUser
from shared.http.dependencies import WriteSessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["sessions"])


@router.delete(
    "/api/users/{user_id:int}/sessions",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 422),
)
def end_user_sessions(user_id: int, admin: AdminUser, session: WriteSessionDep) -> None:
    """End every session of a user: all their tokens stop working at once. Admins only."""
    handler.handle(EndUserSessionsRequest(user_id=user_id), session=session, caller=admin)
