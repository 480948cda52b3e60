"""List users a page at a time, in id order, optionally filtered by an email substring."""

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from features.list_users.schemas import ListedUser, ListUsersQuery, ListUsersResponse
from shared.db.models import User, email_key

LIKE_ESCAPE = "\\"


def _contains_pattern(text: str) -> str:
    # The client's text is matched literally: its % and _ are not wildcards.
    escaped = (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


def handle(request: ListUsersQuery, *, session: Session) -> ListUsersResponse:
    """One page of users in id order, optionally those whose email contains a text.

    Raises nothing: an offset past the end is an empty page.
    """
    matching: Select[tuple[User]] = select(User)
    if request.email is not None:
        # email_key is the case-folded email, so matching against it ignores case everywhere.
        pattern = _contains_pattern(email_key(request.email))
        matching = matching.where(User.email_key.like(pattern, escape=LIKE_ESCAPE))
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    users = session.scalars(matching.order_by(User.id).limit(request.limit).offset(request.offset))
    return ListUsersResponse(
        items=[ListedUser.model_validate(user, from_attributes=True) for user in users],
        total=total,
        limit=request.limit,
        offset=request.offset,
    )
