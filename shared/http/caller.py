"""Who is calling: the bearer scheme and the current-user / optional / admin dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.base import SecurityBase

from shared.accounts.principal import Principal, authenticate
from shared.errors import ForbiddenError, InvalidTokenError, UnauthorizedError
from shared.http.dependencies import get_database
from shared.security.access_tokens import TokenSettings

LOGIN_PATH = "/api/auth/login"


def _remember_caller(request: Request, principal: Principal) -> Principal:
    # For the access log line, written after the response when the user is long forgotten.
    request.state.user_id = principal.user_id
    return principal


class _BearerCaller(SecurityBase):
    """The caller behind an `Authorization: Bearer` token, declared in OpenAPI as the
    password flow's bearer scheme (what OAuth2PasswordBearer declares, and Swagger's
    Authorize button uses).

    One dependency reads the header and checks the token: FastAPI resolves every
    sub-dependency with a full pass of its own (parameters, cache key, a recursive solve),
    so the scheme and the token settings are not dependencies of their own.
    """

    def __init__(self) -> None:
        declared = OAuth2PasswordBearer(tokenUrl=LOGIN_PATH)
        self.model = declared.model
        self.scheme_name = declared.scheme_name


def _bearer_token(request: Request) -> str | None:
    """The token of a Bearer Authorization header (scheme case-insensitive), else None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def _authenticate_request(request: Request, token: str) -> Principal:
    token_settings: TokenSettings = request.app.state.token_settings
    principal = await authenticate(
        token, reader=get_database(request).direct, token_settings=token_settings
    )
    return _remember_caller(request, principal)


class _CurrentCaller(_BearerCaller):
    async def __call__(self, request: Request) -> Principal:
        token = _bearer_token(request)
        if not token:
            raise UnauthorizedError()
        return await _authenticate_request(request, token)


# The name the optional caller's scheme goes by until the OpenAPI pass
# (shared.http.openapi_clients) turns it into "the bearer scheme, or none".
OPTIONAL_BEARER = "OptionalOAuth2PasswordBearer"


class _OptionalCaller(_BearerCaller):
    def __init__(self) -> None:
        super().__init__()
        self.scheme_name = OPTIONAL_BEARER

    async def __call__(self, request: Request) -> Principal | None:
        """The caller when they sent a token (which must then be valid), else None."""
        token = _bearer_token(request)
        if not token and "authorization" not in request.headers:
            return None
        if not token:
            raise InvalidTokenError()
        return await _authenticate_request(request, token)


get_current_user = _CurrentCaller()


get_optional_user = _OptionalCaller()


async def get_admin_user(principal: Annotated[Principal, Depends(get_current_user)]) -> Principal:
    if not principal.is_admin:
        raise ForbiddenError("Only administrators may do this.")
    return principal


CurrentUser = Annotated[Principal, Depends(get_current_user)]


OptionalUser = Annotated[Principal | None, Depends(get_optional_user)]


AdminUser = Annotated[Principal, Depends(get_admin_user)]
