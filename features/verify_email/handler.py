"""Verify an email: spend the token, mark the address verified."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from features.verify_email.schemas import VerifyEmailRequest, VerifyEmailResponse
from shared.db.models import User, utcnow
from shared.errors import InvalidOneTimeTokenError
from shared.observability.logs import security_event
from shared.security import one_time_tokens


def handle(request: VerifyEmailRequest, *, session: Session) -> VerifyEmailResponse:
    """Raises InvalidOneTimeTokenError for anything but a live verification token of the
    account's current address."""
    holder = one_time_tokens.find_live(session, request.token, purpose="verify_email")
    user = None if holder is None else session.get(User, holder.user_id)
    if holder is None or user is None:
        session.rollback()
        raise InvalidOneTimeTokenError()
    binding = one_time_tokens.binding_for(
        "verify_email", email_key=user.email_key, hashed_password=user.hashed_password
    )
    if (
        one_time_tokens.spend(session, request.token, purpose="verify_email", binding=binding)
        != user.id
    ):
        session.rollback()
        raise InvalidOneTimeTokenError()
    session.execute(
        update(User)
        .where(User.id == user.id, User.email_verified.is_(False))
        .values(email_verified=True, version=User.version + 1, updated_at=utcnow())
    )
    session.commit()
    verified = session.scalars(
        select(User).where(User.id == user.id).execution_options(populate_existing=True)
    ).one()
    security_event("email_verified", user_id=user.id)
    return VerifyEmailResponse.model_validate(verified, from_attributes=True)
