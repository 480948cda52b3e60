"""DELETE /api/users/{user_id}: the HTTP side of deleting a user."""

from typing import Annotated

from fastapi import APIRouter, Header, Response

from features.delete_user import handler
from features.delete_user.schemas import DeleteUserRequest
from shared.http.caller import CurrentUser
from shared.http.dependencies import WriteSessionDep
from shared.http.openapi import problem_responses
from shared.http.paths import USER_PATH

router = APIRouter(tags=["users"])


@router.delete(
    USER_PATH,
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 404, 409, 412, 422),
)
def delete_user(
    user_id: int,
    session: WriteSessionDep,
    caller: CurrentUser,
    if_match: Annotated[str | None, Header()] = None,
) -> None:
    """Delete a user and end all their sessions; their email becomes free again."""
    handler.handle(
        DeleteUserRequest(user_id=user_id, if_match=if_match), session=session, caller=caller
    )
