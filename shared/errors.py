"""Application errors: each carries its HTTP status and stable code; framework-free."""

from __future__ import annotations

from typing import ClassVar


class AppError(Exception):
    """Base of every error a handler raises; carries its HTTP status and stable code."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_detail: ClassVar[str] = "The server could not complete the request."
    # The RFC 6749 `error` member, on the OAuth2 routes only (token, introspection, revocation).
    oauth_error: ClassVar[str | None] = None

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        self.detail = detail or self.default_detail
        self.headers = headers or {}
        super().__init__(self.detail)


class InvalidOneTimeTokenError(AppError):
    """A mailed token (verification, reset) that is unknown, expired, spent or superseded."""

    status = 400
    code = "invalid_token"
    default_detail = "This link is unknown, expired or already used; ask for a new one."


class UnauthorizedError(AppError):
    status = 401
    code = "not_authenticated"
    default_detail = "A valid access token is required."

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer", **(headers or {})})


class InvalidTokenError(UnauthorizedError):
    code = "invalid_token"
    default_detail = "The token is malformed, expired, revoked or of the wrong type."


class RefreshTokenReusedError(InvalidTokenError):
    """A spent refresh token came back after the grace period: its session has been ended."""

    code = "refresh_token_reused"
    default_detail = "This refresh token was already used; the session has been ended."


class InvalidCredentialsError(UnauthorizedError):
    code = "invalid_credentials"
    default_detail = "The email or password is wrong."


class ForbiddenError(AppError):
    status = 403
    code = "forbidden"
    default_detail = "You are not allowed to do this."


class NotFoundError(AppError):
    status = 404
    code = "not_found"
    default_detail = "The resource does not exist."


class ConflictError(AppError):
    status = 409
    code = "conflict"
    default_detail = "The request conflicts with the current state."


class EmailTakenError(ConflictError):
    code = "email_taken"
    default_detail = "A user with this email already exists."


class LastAdminError(ConflictError):
    code = "last_admin"
    default_detail = "This is the last active admin; make another user an admin first."


class PreconditionFailedError(AppError):
    status = 412
    code = "precondition_failed"
    default_detail = "The resource has changed since you read it (If-Match does not match)."


class UnprocessableError(AppError):
    """A rule the schema cannot express (a common password, say), reported like validation."""

    status = 422
    code = "validation_error"
    default_detail = "The request failed validation."

    def __init__(self, detail: str | None = None, *, loc: tuple[str | int, ...] = ("body",)):
        super().__init__(detail)
        self.errors = [{"loc": list(loc), "msg": self.detail, "type": self.code}]


class WeakPasswordError(UnprocessableError):
    code = "weak_password"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems), loc=("body", "password"))


class RateLimitedError(AppError):
    status = 429
    code = "rate_limited"
    default_detail = "Too many requests; retry later."


class ServiceUnavailableError(AppError):
    status = 503
    code = "service_unavailable"
    default_detail = "The service cannot answer right now."
