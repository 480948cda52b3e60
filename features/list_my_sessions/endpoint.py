"""GET /api/users/me/sessions: the HTTP side of listing one's own sessions."""

from fastapi import APIRouter

from features.list_my_sessions import handler
from features.list_my_sessions.schemas import ListMySessionsRequest, ListMySessionsResponse
from shared.http.caller import CurrentUser
from shared.http.dependencies import SessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["sessions"])


@router.get("/api/users/me/sessions", responses=problem_responses(401))
def list_my_sessions(caller: CurrentUser, session: SessionDep) -> ListMySessionsResponse:
    """List where you are logged in: your live sessions, newest first; `current` is this one."""
    return handler.handle(ListMySessionsRequest(), session=session, caller=caller)
