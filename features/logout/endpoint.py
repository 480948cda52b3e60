"""POST /api/auth/logout: the HTTP side of logging out."""

from fastapi import APIRouter, Response

from features.logout import handler
from features.logout.schemas import LogoutRequest
from shared.http.dependencies import TokenSettingsDep, WriteSessionDep
from shared.http.openapi import problem_responses
from shared.http.ratelimit import rate_limit

router = APIRouter(tags=["auth"])


@router.post(
    "/api/auth/logout",
    status_code=204,
    responses=problem_responses(400, 413, 422, 429),
    # Any well-formed token takes the write lock, so anonymous callers are counted per IP.
    dependencies=[rate_limit("logout")],
)
def logout(
    body: LogoutRequest, session: WriteSessionDep, token_settings: TokenSettingsDep
) -> Response:
    """End this refresh token's session, or (`scope`) your other sessions or all: at once."""
    handler.handle(body, session=session, token_settings=token_settings)
    return Response(status_code=204)
