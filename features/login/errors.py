"""Why a login was refused: distinct classes so a failed-attempt counter can tell them apart."""

from typing import Any

from shared.errors import (
    AppError,
    ForbiddenError,
    InvalidCredentialsError,
    InvalidTokenError,
    RefreshTokenReusedError,
    UnprocessableError,
)

# Each carries the RFC 6749 `error` an OAuth2 client reads: this route is the token endpoint.


class UnknownEmailError(InvalidCredentialsError):
    """No account has this email. Answers exactly as WrongPasswordError does (no oracle)."""

    oauth_error = "invalid_grant"


class WrongPasswordError(InvalidCredentialsError):
    """The account exists and the password is wrong: what a per-account counter counts."""

    oauth_error = "invalid_grant"


class AccountDisabledError(ForbiddenError):
    code = "account_disabled"
    oauth_error = "invalid_grant"
    default_detail = "This account is disabled."


class InvalidRefreshGrantError(InvalidTokenError):
    """The refresh_token grant's token is malformed, spent past the grace, expired or revoked."""

    oauth_error = "invalid_grant"


class RefreshGrantReusedError(RefreshTokenReusedError):
    oauth_error = "invalid_grant"


class UnsupportedGrantTypeError(AppError):
    status = 400
    code = "unsupported_grant_type"
    oauth_error = "unsupported_grant_type"
    default_detail = "grant_type must be password or refresh_token."


class InvalidTokenRequestError(UnprocessableError):
    """The token endpoint's form fails validation: a 422 as elsewhere, with the OAuth2 error."""

    oauth_error = "invalid_request"

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__()
        self.errors = errors


class EmailNotVerifiedError(ForbiddenError):
    code = "email_not_verified"
    default_detail = "Verify your email address first: follow the link in the message we sent."


class UnsupportedMediaTypeError(AppError):
    status = 415
    code = "unsupported_media_type"
    oauth_error = "invalid_request"
    default_detail = (
        "Send the credentials as application/json or application/x-www-form-urlencoded."
    )
