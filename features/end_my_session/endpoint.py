"""DELETE /api/users/me/sessions/{session_id}: the HTTP side of ending one's own session."""

from fastapi import APIRouter, Response

from features.end_my_session import handler
from features.end_my_session.schemas import EndMySessionRequest
from shared.http.caller import CurrentUser
from shared.http.dependencies import WriteSessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["sessions"])


@router.delete(
    "/api/users/me/sessions/{session_id:str}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401),
)
def end_my_session(session_id: str, caller: CurrentUser, session: WriteSessionDep) -> None:
    """End one of your sessions (204 whatever the id: only your own live ones are touched)."""
    handler.handle(EndMySessionRequest(session_id=session_id), session=session, caller=caller)
