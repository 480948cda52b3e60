"""The authenticated caller (Account, Principal) and the per-request session check."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import bindparam, select

from shared.db.direct import DirectReader
from shared.db.models import AuthSession, Role, User, etag_of, utcnow
from shared.errors import InvalidTokenError
from shared.security.access_tokens import TokenRejectedError, TokenSettings, decode_access_token


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
    email_verified: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def etag(self) -> str:
        return etag_of(self.id, self.version)

    @classmethod
    def of(cls, user: User) -> Account:
        """The snapshot of a loaded user row, as the auth check would have read it."""
        return cls(*(getattr(user, field.name) for field in fields(cls)))


_users = User.__table__
_sessions = AuthSession.__table__


_ACCOUNT_COLUMNS = [_users.c[field.name] for field in fields(Account)]


# Built once, in Core, and sent straight to the driver (shared.db.direct): this runs on every
# authenticated request.
_AUTH_QUERY = (
    select(_sessions.c.revoked_at, _sessions.c.expires_at, *_ACCOUNT_COLUMNS)
    .join_from(_sessions, _users, _users.c.id == _sessions.c.user_id)
    .where(_sessions.c.id == bindparam("session_id"), _sessions.c.user_id == bindparam("user_id"))
)


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: their user row as of this request, and their login session."""

    user: Account
    session_id: str

    @property
    def user_id(self) -> int:
        return self.user.id

    @property
    def is_admin(self) -> bool:
        return self.user.role == Role.ADMIN


async def authenticate(
    token: str, *, reader: DirectReader, token_settings: TokenSettings
) -> Principal:
    """Check the token, then that its session is live and its user active, on every request.

    The database read is what makes logout and revocation immediate rather than at expiry.
    """
    try:
        claims = decode_access_token(token, settings=token_settings)
    except TokenRejectedError:
        raise InvalidTokenError() from None
    row = await reader.first(
        _AUTH_QUERY, {"session_id": claims.session_id, "user_id": claims.user_id}
    )
    if row is None:
        raise InvalidTokenError()
    revoked_at, expires_at, *account = row
    user = Account(*account)
    if revoked_at is not None or expires_at <= utcnow() or not user.is_active:
        raise InvalidTokenError()
    return Principal(user=user, session_id=claims.session_id)
