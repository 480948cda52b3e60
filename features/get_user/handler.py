"""Read one user: the user themself or an admin; to anyone else it does not exist."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from features.get_user.schemas import GetUserRequest, GetUserResponse
from shared.accounts.principal import Account, Principal
from shared.db.models import User
from shared.errors import NotFoundError
from shared.values import is_row_id


@dataclass(frozen=True, slots=True)
class FoundUser:
    user: GetUserResponse
    etag: str


def handle(request: GetUserRequest, *, session: Session, caller: Principal) -> FoundUser:
    """The user, to themself or an admin.

    Raises NotFoundError for an unknown id, and for another user's to a non-admin.
    """
    user_id = request.user_id
    # Same answer whether the id exists or not: a non-admin learns nothing about other ids.
    if not caller.is_admin and user_id != caller.user_id:
        raise NotFoundError("No such user.")
    # The caller's own row was read by this request's auth check: reading it again would
    # repeat the same query within the same request.
    user: Account | User | None = caller.user
    if user_id != caller.user_id:
        user = session.get(User, user_id) if is_row_id(user_id) else None
    if user is None:
        raise NotFoundError("No such user.")
    return FoundUser(
        user=GetUserResponse.model_validate(user, from_attributes=True), etag=user.etag
    )
