"""GET /api/users/{user_id}: the HTTP side of reading one user, with ETag and 304."""

from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response

from features.get_user import handler
from features.get_user.schemas import GetUserRequest, GetUserResponse
from shared.http.caller import CurrentUser
from shared.http.dependencies import SessionDep, get_database
from shared.http.etags import IF_NONE_MATCH_OPENAPI, if_none_match_hits
from shared.http.openapi import problem_responses
from shared.http.paths import USER_PATH

router = APIRouter(tags=["users"])
JSON = "application/json"

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The user.",
        "headers": {"ETag": {"description": "The user's version.", "schema": {"type": "string"}}},
    },
    304: {"description": "Not Modified: the ETag in If-None-Match is still current; no body."},
    **problem_responses(401, 404, 422),
}


@router.get(
    USER_PATH,
    response_model=GetUserResponse,
    responses=RESPONSES,
    openapi_extra=IF_NONE_MATCH_OPENAPI,
)
async def get_user(
    request: Request, user_id: int, session: SessionDep, caller: CurrentUser
) -> Response:
    """Read a user: your own record, or any record as an admin. Others' ids answer 404."""
    # One primary-key read: on the event loop where that is cheaper than a thread hop. The
    # Database comes from the request, not a dependency: each one is a pass of FastAPI's solver.
    found = await get_database(request).run_read(
        partial(handler.handle, GetUserRequest(user_id=user_id), session=session, caller=caller)
    )
    if if_none_match_hits(request.headers.get("if-none-match"), found.etag):
        return Response(status_code=304, headers={"ETag": found.etag})
    # Serialized here, once: returned as a model it would be validated again, then dumped.
    return Response(found.user.model_dump_json(), media_type=JSON, headers={"ETag": found.etag})
