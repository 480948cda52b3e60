"""GET /api/users/me: the HTTP side of reading one's own user, with ETag and 304."""

from typing import Any

from fastapi import APIRouter, Request, Response

from features.get_me import handler
from features.get_me.schemas import GetMeRequest, GetMeResponse
from shared.http.caller import CurrentUser
from shared.http.etags import IF_NONE_MATCH_OPENAPI, if_none_match_hits
from shared.http.openapi import problem_responses

router = APIRouter(tags=["users"])
JSON = "application/json"

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Your user.",
        "headers": {"ETag": {"description": "The user's version.", "schema": {"type": "string"}}},
    },
    304: {"description": "Not Modified: the ETag in If-None-Match is still current; no body."},
    **problem_responses(401, 422),
}


@router.get(
    "/api/users/me",
    response_model=GetMeResponse,
    responses=RESPONSES,
    openapi_extra=IF_NONE_MATCH_OPENAPI,
)
async def get_me(request: Request, caller: CurrentUser) -> Response:
    """Read your own user record."""
    me = handler.handle(GetMeRequest(), caller=caller)
    if if_none_match_hits(request.headers.get("if-none-match"), me.etag):
        return Response(status_code=304, headers={"ETag": me.etag})
    # Serialized here, once: returned as a model it would be validated again, then dumped.
    return Response(me.user.model_dump_json(), media_type=JSON, headers={"ETag": me.etag})
