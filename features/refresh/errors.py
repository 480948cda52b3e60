"""Why a refresh was refused."""

from shared.errors import InvalidTokenError


class RefreshTokenReusedError(InvalidTokenError):
    """A spent refresh token came back after the grace period: its session has been ended."""

    code = "refresh_token_reused"
    default_detail = "This refresh token was already used; the session has been ended."
