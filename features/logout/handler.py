"""Log out: end the session of a genuine refresh token, current or spent; ignore the rest."""

from sqlalchemy.orm import Session

from features.logout.schemas import LogoutRequest
from shared.accounts.refresh import end_session_of_refresh_token
from shared.observability.logs import security_event
from shared.security.access_tokens import TokenSettings


def handle(request: LogoutRequest, *, session: Session, token_settings: TokenSettings) -> None:
    """End the session of a genuine refresh token, current or spent.

    Raises nothing: any other token is ignored, so the answer says nothing about it (no oracle).
    """
    ended = end_session_of_refresh_token(
        request.refresh_token, session=session, token_settings=token_settings
    )
    if ended is not None:
        session_id, user_id = ended
        security_event("logout", user_id=user_id, session_id=session_id)
