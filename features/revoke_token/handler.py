"""Revocation: the session of a genuine refresh or access token ends; anything else is ignored."""

from sqlalchemy.orm import Session

from features.revoke_token.schemas import RevokeRequest
from shared.accounts.refresh import end_session, end_session_of_refresh_token
from shared.audit.events import EventType
from shared.security.access_tokens import TokenRejectedError, TokenSettings, decode_access_token


def handle(request: RevokeRequest, *, session: Session, token_settings: TokenSettings) -> None:
    """End the session the token belongs to.

    Raises nothing: RFC 7009 answers 200 to an invalid or unknown token too (no oracle).
    """
    if end_session_of_refresh_token(
        request.token,
        session=session,
        token_settings=token_settings,
        event=EventType.SESSION_REVOKED,
    ):
        return
    try:
        # Signature, issuer, audience and expiry checked: a forged token ends nothing.
        claims = decode_access_token(request.token, settings=token_settings)
    except TokenRejectedError:
        return
    end_session(
        session,
        session_id=claims.session_id,
        user_id=claims.user_id,
        event=EventType.SESSION_REVOKED,
    )
