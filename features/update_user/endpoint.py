"""PUT /api/users/{user_id}: the HTTP side of updating a user, with If-Match and ETag."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response

from features.update_user import handler
from features.update_user.schemas import UpdateUserRequest, UpdateUserResponse
from shared.http.caller import CurrentUser
from shared.http.dependencies import SettingsDep, WriteSessionDep
from shared.http.openapi import problem_responses
from shared.http.paths import USER_PATH
from shared.http.ratelimit import LoginFailuresDep

router = APIRouter(tags=["users"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The updated user.",
        "headers": {"ETag": {"description": "The new version.", "schema": {"type": "string"}}},
    },
    **problem_responses(400, 401, 403, 404, 409, 412, 413, 422, 429),
}


@router.put(USER_PATH, responses=RESPONSES)
def update_user(
    user_id: int,
    body: UpdateUserRequest,
    response: Response,
    session: WriteSessionDep,
    caller: CurrentUser,
    settings: SettingsDep,
    failures: LoginFailuresDep,
    if_match: Annotated[str | None, Header()] = None,
) -> UpdateUserResponse:
    """Change some fields of a user; your own email or password needs current_password."""
    updated = handler.handle(
        body,
        user_id=user_id,
        if_match=if_match,
        session=session,
        caller=caller,
        settings=settings,
        failures=failures,
    )
    response.headers["ETag"] = updated.etag
    return updated.user
