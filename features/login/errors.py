"""Why a login was refused: distinct classes so a failed-attempt counter can tell them apart."""

from shared.errors import AppError, ForbiddenError, InvalidCredentialsError


class UnknownEmailError(InvalidCredentialsError):
    """No account has this email. Answers exactly as WrongPasswordError does (no oracle)."""


class WrongPasswordError(InvalidCredentialsError):
    """The account exists and the password is wrong: what a per-account counter counts."""


class AccountDisabledError(ForbiddenError):
    code = "account_disabled"
    default_detail = "This account is disabled."


class EmailNotVerifiedError(ForbiddenError):
    code = "email_not_verified"
    default_detail = "Verify your email address first: follow the link in the message we sent."


class UnsupportedMediaTypeError(AppError):
    status = 415
    code = "unsupported_media_type"
    default_detail = (
        "Send the credentials as application/json or application/x-www-form-urlencoded."
    )
