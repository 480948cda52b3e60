"""Log out: end the session of a genuine refresh token (or the user's others, or all of them)."""

from sqlalchemy.orm import Session

from features.logout.schemas import LogoutRequest
from shared.accounts.refresh import end_session_of_refresh_token
from shared.audit.events import EventType
from shared.security.access_tokens import TokenSettings


def handle(request: LogoutRequest, *, session: Session, token_settings: TokenSettings) -> None:
    """End the session of a genuine refresh token, current or spent, or those its scope names.

    Raises nothing: any other token is ignored, so the answer says nothing about it (no oracle).
    """
    end_session_of_refresh_token(
        request.refresh_token,
        session=session,
        token_settings=token_settings,
        event=EventType.LOGOUT,
        scope=request.scope,
    )
