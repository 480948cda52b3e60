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


def handle(query: ListUsersQuery, *, session: Session) -> ListUsersResponse:
    matching: Select[tuple[User]] = select(User)
    if query.email is not None:
        # email_key is the case-folded email, so matching against it ignores case everywhere.
        pattern = _contains_pattern(email_key(query.email))
        matching = matching.where(User.email_key.like(pattern, escape=LIKE_ESCAPE))
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    users = session.scalars(matching.order_by(User.id).limit(query.limit).offset(query.offset))
    return ListUsersResponse(
        items=[ListedUser.model_validate(user, from_attributes=True) for user in users],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )
