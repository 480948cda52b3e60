"""Who is calling: settings, token settings and the current-user / admin dependencies."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.base import SecurityBase
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db import SessionDep, get_database
from shared.errors import ForbiddenError, InvalidTokenError, LastAdminError, UnauthorizedError
from shared.models import AuthSession, Role, User, etag_of, utcnow
from shared.security import TokenRejectedError, TokenSettings, decode_access_token

LOGIN_PATH = "/api/auth/login"

# The dependencies here are async although they do no I/O: FastAPI runs every sync dependency
# on a worker thread, a hop that costs more than the work.


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_token_settings(request: Request) -> TokenSettings:
    token_settings: TokenSettings = request.app.state.token_settings
    return token_settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
TokenSettingsDep = Annotated[TokenSettings, Depends(get_token_settings)]


@dataclass(frozen=True, slots=True)
class Account:
    """The caller's user row as read by the auth check: a snapshot, not a session object.

    To change the user, load it in the handler's session (`session.get(User, id)`).
    """

    id: int
    email: str
    full_name: str | None
    hashed_password: str
    role: str
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def etag(self) -> str:
        return etag_of(self.id, self.version)


_users = User.__table__
_sessions = AuthSession.__table__
_ACCOUNT_COLUMNS = [_users.c[field.name] for field in fields(Account)]

# Built once, in Core: an ORM entity load was the largest single cost of an authenticated
# read (identity map, instance state). SQLAlchemy caches the compiled form after first use.
_AUTH_QUERY = (
    select(_sessions.c.revoked_at, _sessions.c.expires_at, *_ACCOUNT_COLUMNS)
    .join_from(_sessions, _users, _users.c.id == _sessions.c.user_id)
    .where(_sessions.c.id == bindparam("session_id"), _sessions.c.user_id == bindparam("user_id"))
)


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: their user row as of this request, and their login session."""

    user: Account | User
    session_id: str

    @property
    def user_id(self) -> int:
        return self.user.id

    @property
    def is_admin(self) -> bool:
        return self.user.role == Role.ADMIN


def authenticate(token: str, *, session: Session, token_settings: TokenSettings) -> Principal:
    """Check the token, then that its session is live and its user active, on every request.

    The database check is what makes logout and revocation immediate rather than at expiry.
    """
    try:
        claims = decode_access_token(token, settings=token_settings)
    except TokenRejectedError:
        raise InvalidTokenError() from None
    row = (
        session.connection()
        .execute(_AUTH_QUERY, {"session_id": claims.session_id, "user_id": claims.user_id})
        .one_or_none()
    )
    if row is None:
        raise InvalidTokenError()
    revoked_at, expires_at, *account = row
    user = Account(*account)
    if revoked_at is not None or expires_at <= utcnow() or not user.is_active:
        raise InvalidTokenError()
    return Principal(user=user, session_id=claims.session_id)


def revoke_user_sessions(session: Session, *, user_id: int) -> int:
    """End every live session of a user, so each token issued so far is refused from now on.

    Called on password change, deactivation, role change and deletion. Does not commit.
    """
    result = session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _remember_caller(request: Request, principal: Principal) -> Principal:
    # For the access log line, written after the response when the user is long forgotten.
    request.state.user_id = principal.user_id
    return principal


def ensure_another_active_admin(session: Session, *, user_id: int) -> None:
    """Refuse (409) to demote, deactivate or delete the last active admin. Call it inside the
    write transaction that makes the change, before the change.

    Every active admin row is locked FOR UPDATE in id order: on PostgreSQL, two admins removing
    each other queue here (one order, so no deadlock) and the second sees the first's change.
    SQLite ignores FOR UPDATE; there the write transaction already holds the only write lock.
    """
    active_admins = session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN.value, User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()
    if not set(active_admins) - {user_id}:
        raise LastAdminError()


class _BearerCaller(SecurityBase):
    """The caller behind an `Authorization: Bearer` token, declared in OpenAPI as the
    password flow's bearer scheme (what OAuth2PasswordBearer declares, and Swagger's
    Authorize button uses).

    One dependency reads the header and checks the token: FastAPI resolves every
    sub-dependency with a full pass of its own (parameters, cache key, a recursive solve),
    and the scheme plus the token settings as separate dependencies were a fifth of an
    authenticated read.
    """

    def __init__(self) -> None:
        declared = OAuth2PasswordBearer(tokenUrl=LOGIN_PATH)
        self.model = declared.model
        self.scheme_name = declared.scheme_name


def _bearer_token(request: Request) -> str | None:
    """The token of a Bearer Authorization header (scheme case-insensitive), else None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def _authenticate_request(request: Request, token: str, session: Session) -> Principal:
    token_settings: TokenSettings = request.app.state.token_settings
    principal = await get_database(request).run_read(
        partial(authenticate, token, session=session, token_settings=token_settings)
    )
    return _remember_caller(request, principal)


class _CurrentCaller(_BearerCaller):
    async def __call__(self, request: Request, session: SessionDep) -> Principal:
        token = _bearer_token(request)
        if not token:
            raise UnauthorizedError()
        return await _authenticate_request(request, token, session)


class _OptionalCaller(_BearerCaller):
    async def __call__(self, request: Request, session: SessionDep) -> Principal | None:
        """The caller when they sent a token (which must then be valid), else None."""
        token = _bearer_token(request)
        if not token and "authorization" not in request.headers:
            return None
        if not token:
            raise InvalidTokenError()
        return await _authenticate_request(request, token, session)


get_current_user = _CurrentCaller()
get_optional_user = _OptionalCaller()


async def get_admin_user(principal: Annotated[Principal, Depends(get_current_user)]) -> Principal:
    if not principal.is_admin:
        raise ForbiddenError("Only administrators may do this.")
    return principal


CurrentUser = Annotated[Principal, Depends(get_current_user)]
OptionalUser = Annotated[Principal | None, Depends(get_optional_user)]
AdminUser = Annotated[Principal, Depends(get_admin_user)]
