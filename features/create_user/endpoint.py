"""POST /api/users: the HTTP side of creating a user."""

from fastapi import APIRouter, Response

from features.create_user import handler
from features.create_user.schemas import CreateUserRequest, CreateUserResponse
from shared.http.caller import OptionalUser
from shared.http.dependencies import SettingsDep, WriteSessionDep
from shared.http.openapi import problem_responses
from shared.http.ratelimit import rate_limit

router = APIRouter(tags=["users"])


@router.post(
    "/api/users",
    status_code=201,
    responses=problem_responses(400, 401, 403, 409, 413, 422, 429),
    # Per client IP, admins included: an admin's stolen token should not mint accounts freely.
    dependencies=[rate_limit("register")],
)
def create_user(
    body: CreateUserRequest,
    response: Response,
    session: WriteSessionDep,
    caller: OptionalUser,
    settings: SettingsDep,
) -> CreateUserResponse:
    """Create an account and mail a verification link; admins may set the admin-only fields."""
    created = handler.handle(body, session=session, caller=caller, settings=settings)
    response.headers["Location"] = f"/api/users/{created.id}"
    return created
