"""Refresh: rotate a session's refresh token atomically, and end the session on reuse."""

from sqlalchemy.orm import Session

from features.refresh.schemas import RefreshRequest, RefreshResponse
from shared.accounts.refresh import rotate_refresh_token
from shared.config import Settings
from shared.security.access_tokens import TokenSettings


def handle(
    request: RefreshRequest,
    *,
    session: Session,
    settings: Settings,
    token_settings: TokenSettings,
) -> RefreshResponse:
    """Raises InvalidTokenError, or RefreshTokenReusedError after ending the session.

    The rule (rotation, the grace period for races, reuse ends the session) is the kernel's
    (shared/accounts/refresh.py): the token endpoint's refresh_token grant applies it too.
    """
    tokens = rotate_refresh_token(
        request.refresh_token,
        session=session,
        grace=settings.refresh_reuse_grace,
        token_settings=token_settings,
    )
    return RefreshResponse(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        refresh_expires_in=tokens.refresh_expires_in,
    )
