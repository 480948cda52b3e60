"""Log in: check the password without holding a transaction, then open a session."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from features.login.errors import (
    AccountDisabledError,
    EmailNotVerifiedError,
    UnknownEmailError,
    WrongPasswordError,
)
from features.login.schemas import LoginRequest, LoginResponse
from shared.config import Settings
from shared.db.models import AuthSession, User, email_key, utcnow
from shared.observability.logs import security_event
from shared.ratelimit.limiter import FailureCounter
from shared.security.access_tokens import TokenSettings, create_access_token
from shared.security.passwords import dummy_hash, hash_password, hash_rounds, verify_password
from shared.security.refresh_tokens import new_refresh_key, new_session_id, refresh_token_for

# Each login deletes at most this many expired sessions. One login adds one session, so the
# table cannot outgrow its live sessions by more than this, and no login pays for a backlog.
PURGE_BATCH = 100


@dataclass(frozen=True, slots=True)
class _Account:
    id: int
    hashed_password: str
    is_active: bool
    email_verified: bool


def handle(
    request: LoginRequest,
    *,
    read_session: Session,
    write_session: Session,
    settings: Settings,
    token_settings: TokenSettings,
    failures: FailureCounter,
) -> LoginResponse:
    """Raises UnknownEmailError, WrongPasswordError, AccountDisabledError or (with
    REQUIRE_VERIFIED_EMAIL) EmailNotVerifiedError when refused, and
    RateLimitedError when the account has failed too often lately, whatever the password."""
    account_key = email_key(request.email)
    failures.check(account_key)
    account = _find_account(read_session, email=request.email)
    # bcrypt takes a core for a quarter of a second: no transaction (and on SQLite no lock)
    # may be open while it runs.
    read_session.rollback()
    if account is None:
        # The same work as a wrong password, so the answer's timing does not tell them apart.
        verify_password(request.password, dummy_hash(settings.bcrypt_rounds))
        # Counted like a wrong password, so the limit tells no one which emails exist.
        failures.record(account_key)
        security_event("login_failed", user_id=None, reason="unknown_email")
        raise UnknownEmailError()
    if not verify_password(request.password, account.hashed_password):
        failures.record(account_key)
        security_event("login_failed", user_id=account.id, reason="wrong_password")
        raise WrongPasswordError()
    failures.reset(account_key)
    if not account.is_active:
        raise AccountDisabledError()
    if settings.require_verified_email and not account.email_verified:
        security_event("login_failed", user_id=account.id, reason="email_not_verified")
        raise EmailNotVerifiedError()
    upgraded = None
    if hash_rounds(account.hashed_password) != settings.bcrypt_rounds:
        upgraded = hash_password(request.password, rounds=settings.bcrypt_rounds)

    now = utcnow()
    auth_session = AuthSession(
        id=new_session_id(),
        user_id=account.id,
        refresh_key=new_refresh_key(),
        generation=0,
        created_at=now,
        expires_at=now + settings.refresh_token_ttl,
    )
    if upgraded is not None:
        _store_upgraded_hash(write_session, account=account, upgraded=upgraded)
    _purge_expired_sessions(write_session, now=now)
    write_session.add(auth_session)
    write_session.commit()
    security_event("login_succeeded", user_id=account.id, session_id=auth_session.id)
    return _token_pair(auth_session, now=now, token_settings=token_settings)


def _find_account(session: Session, *, email: str) -> _Account | None:
    row = session.execute(
        select(User.id, User.hashed_password, User.is_active, User.email_verified).where(
            User.email_key == email_key(email)
        )
    ).one_or_none()
    if row is None:
        return None
    return _Account(
        id=row.id,
        hashed_password=row.hashed_password,
        is_active=row.is_active,
        email_verified=row.email_verified,
    )


def _store_upgraded_hash(session: Session, *, account: _Account, upgraded: str) -> None:
    # Only if the hash is still the one verified: a password changed meanwhile wins. The same
    # password at another cost is no change to the user, so neither version (the ETag) nor
    # updated_at moves.
    session.execute(
        update(User)
        .where(User.id == account.id, User.hashed_password == account.hashed_password)
        .values(hashed_password=upgraded, updated_at=User.updated_at)
    )


def _purge_expired_sessions(session: Session, *, now: datetime) -> None:
    expired = select(AuthSession.id).where(AuthSession.expires_at <= now).limit(PURGE_BATCH)
    session.execute(
        delete(AuthSession).where(AuthSession.id.in_(expired)),
        execution_options={"synchronize_session": False},
    )


def _token_pair(
    auth_session: AuthSession, *, now: datetime, token_settings: TokenSettings
) -> LoginResponse:
    return LoginResponse(
        access_token=create_access_token(
            user_id=auth_session.user_id,
            session_id=auth_session.id,
            now=now,
            settings=token_settings,
        ),
        refresh_token=refresh_token_for(
            session_id=auth_session.id,
            generation=auth_session.generation,
            refresh_key=auth_session.refresh_key,
            secret=token_settings.secret,
        ),
        expires_in=int(token_settings.access_ttl.total_seconds()),
        refresh_expires_in=int((auth_session.expires_at - now).total_seconds()),
    )
