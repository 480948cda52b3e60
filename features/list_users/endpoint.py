"""GET /api/users: the HTTP side of listing users."""

from typing import Annotated

from fastapi import APIRouter, Query

from features.list_users import handler
from features.list_users.schemas import ListUsersQuery, ListUsersResponse
from shared.http.caller import AdminUser
from shared.http.dependencies import SessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["users"])


@router.get("/api/users", responses=problem_responses(401, 403, 422))
def list_users(
    query: Annotated[ListUsersQuery, Query()],
    session: SessionDep,
    _admin: AdminUser,
) -> ListUsersResponse:
    """List users in id order, a page at a time; `email` filters by substring. Admins only."""
    return handler.handle(query, session=session)
