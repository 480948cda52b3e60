"""Request a password reset: find the account, issue a token, queue its link."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from features.request_password_reset.schemas import RequestPasswordResetRequest
from shared.accounts.notices import RESET_PATH, link
from shared.config import Settings
from shared.db.models import User, email_key
from shared.mail.outbox import enqueue
from shared.mail.rendering import render
from shared.observability.logs import security_event
from shared.security import one_time_tokens


def handle(request: RequestPasswordResetRequest, *, session: Session, settings: Settings) -> None:
    """Queue a reset link for an active account with this email; do nothing for any other.

    Raises nothing: it runs after the answer was sent, which must not depend on the email.
    """
    user = session.scalars(
        select(User).where(User.email_key == email_key(request.email))
    ).one_or_none()
    if user is None or not user.is_active:
        session.rollback()
        security_event("password_reset_requested", user_id=None if user is None else user.id)
        return
    # Bound to the current password hash: any password change (this reset included) kills it.
    token = one_time_tokens.issue(
        session,
        purpose="reset_password",
        user_id=user.id,
        binding=one_time_tokens.binding_for(
            "reset_password", email_key=user.email_key, hashed_password=user.hashed_password
        ),
        ttl=settings.password_reset_ttl,
    )
    message = render(
        "reset_password",
        full_name=user.full_name,
        email=user.email,
        link=link(settings, RESET_PATH, token),
        minutes=max(1, round(settings.password_reset_ttl.total_seconds() / 60)),
    )
    enqueue(session, message, recipient=user.email)
    session.commit()
    security_event("password_reset_requested", user_id=user.id)
