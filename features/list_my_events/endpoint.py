"""GET /api/users/me/events: the HTTP side of reading one's own audit events."""

from typing import Annotated

from fastapi import APIRouter, Query

from features.list_my_events import handler
from features.list_my_events.schemas import ListMyEventsQuery, ListMyEventsResponse
from shared.http.caller import CurrentUser
from shared.http.dependencies import SessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["audit"])


@router.get("/api/users/me/events", responses=problem_responses(401, 422))
def list_my_events(
    query: Annotated[ListMyEventsQuery, Query()], caller: CurrentUser, session: SessionDep
) -> ListMyEventsResponse:
    """Read what happened to your account: its security events, newest first."""
    return handler.handle(query, session=session, caller=caller)
