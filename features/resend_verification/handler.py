"""Re-send the verification: a new token for the caller's address, the old ones superseded."""

from sqlalchemy.orm import Session

from features.resend_verification.errors import AlreadyVerifiedError
from features.resend_verification.schemas import (
    ResendVerificationRequest,
    ResendVerificationResponse,
)
from shared.accounts.notices import send_verification
from shared.accounts.principal import Principal
from shared.config import Settings
from shared.db.models import User
from shared.errors import InvalidTokenError


def handle(
    request: ResendVerificationRequest,  # noqa: ARG001 - the caller is all it needs
    *,
    session: Session,
    caller: Principal,
    settings: Settings,
) -> ResendVerificationResponse:
    """Queue a fresh verification message for the caller's address.

    Raises AlreadyVerifiedError when the address is verified, InvalidTokenError when the
    caller was deleted since the auth check.
    """
    user = session.get(User, caller.user_id)
    if user is None:
        raise InvalidTokenError()  # deleted between the auth check and now
    if user.email_verified:
        session.rollback()
        raise AlreadyVerifiedError()
    send_verification(session, user, settings=settings)
    session.commit()
    return ResendVerificationResponse()
