"""Log in: check the password without holding a transaction, then open a session."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from features.login.errors import (
    AccountDisabledError,
    EmailNotVerifiedError,
    InvalidRefreshGrantError,
    RefreshGrantReusedError,
    UnknownEmailError,
    WrongPasswordError,
)
from features.login.schemas import LoginRequest, LoginResponse, RefreshGrantForm
from shared.accounts.refresh import rotate_refresh_token
from shared.audit.emitter import record_event
from shared.audit.events import EventType, Outcome, RequestContext
from shared.config import Settings
from shared.db.models import AuthSession, User, email_key, utcnow
from shared.errors import AppError, InvalidTokenError, RefreshTokenReusedError
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
    request: LoginRequest | RefreshGrantForm,
    *,
    read_session: Session,
    write_session: Session,
    settings: Settings,
    token_settings: TokenSettings,
    failures: FailureCounter,
    context: RequestContext,
) -> LoginResponse:
    """Raises UnknownEmailError, WrongPasswordError, AccountDisabledError or (with
    REQUIRE_VERIFIED_EMAIL) EmailNotVerifiedError when refused (also WrongPasswordError when
    the user changed while the password was being checked), and RateLimitedError when the
    account has failed too often lately, whatever the password.

    The refresh_token grant raises InvalidRefreshGrantError, or RefreshGrantReusedError after
    ending the session.
    """
    if isinstance(request, RefreshGrantForm):
        return _refresh_grant(
            request, session=write_session, settings=settings, token_settings=token_settings
        )
    account_key = email_key(request.email)
    # Counted as failed before bcrypt runs, and forgotten below once the password is right.
    failures.reserve(account_key)
    account = _find_account(read_session, email=request.email)
    # bcrypt takes a core for a quarter of a second: no transaction (and on SQLite no lock)
    # may be open while it runs.
    read_session.rollback()
    if account is None:
        # The same work as a wrong password, so the answer's timing does not tell them apart.
        verify_password(request.password, dummy_hash(settings.bcrypt_rounds))
        # Counted like a wrong password (above), so the limit tells no one which emails exist.
        _record_failure(write_session, user_id=None, error=UnknownEmailError, context=context)
        raise UnknownEmailError()
    if not verify_password(request.password, account.hashed_password):
        _pad_to_current_cost(request.password, stored=account.hashed_password, settings=settings)
        _record_failure(
            write_session, user_id=account.id, error=WrongPasswordError, context=context
        )
        raise WrongPasswordError()
    failures.reset(account_key)
    if not account.is_active:
        _record_failure(
            write_session, user_id=account.id, error=AccountDisabledError, context=context
        )
        raise AccountDisabledError()
    if settings.require_verified_email and not account.email_verified:
        _record_failure(
            write_session, user_id=account.id, error=EmailNotVerifiedError, context=context
        )
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
        ip=context.ip,
        user_agent=context.user_agent,
    )
    # The password was checked without a lock: a change, deactivation or deletion may have
    # committed since. The session opens only if the user is still as verified, checked under
    # the row's lock, so a change that commits later revokes this session with the others.
    if not _still_as_verified(write_session, account=account):
        write_session.rollback()
        _record_failure(
            write_session, user_id=account.id, error=WrongPasswordError, context=context
        )
        raise WrongPasswordError()
    if upgraded is not None:
        _store_upgraded_hash(write_session, account=account, upgraded=upgraded)
    _purge_expired_sessions(write_session, now=now)
    write_session.add(auth_session)
    record_event(
        write_session,
        EventType.LOGIN_SUCCEEDED,
        user_id=account.id,
        session_id=auth_session.id,
        context=context,
    )
    write_session.commit()
    return _token_pair(auth_session, now=now, token_settings=token_settings)


# Padding a very old hash to the current cost would take this many extra checks at most.
MAX_PADDING_CHECKS = 255


def _pad_to_current_cost(password: str, *, stored: str, settings: Settings) -> None:
    # An unknown email costs one check at BCRYPT_ROUNDS (2**rounds). A hash from before a
    # rounds increase is cheaper to check, and would tell which emails exist: it is checked
    # again against dummies of its own cost until the total is the same.
    try:
        stored_rounds = hash_rounds(stored)
    except (IndexError, ValueError):
        # Unreadable, so it was refused at no cost: it pays the unknown email's check.
        verify_password(password, dummy_hash(settings.bcrypt_rounds))
        return
    extra = min(2 ** max(0, settings.bcrypt_rounds - stored_rounds) - 1, MAX_PADDING_CHECKS)
    for _ in range(extra):
        verify_password(password, dummy_hash(stored_rounds))


def _record_failure(
    write_session: Session,
    *,
    user_id: int | None,
    error: type[AppError],
    context: RequestContext,
) -> None:
    # Its own short transaction, after bcrypt: kept although the login fails, and the write
    # lock is held for one insert, never for the hash.
    record_event(
        write_session,
        EventType.LOGIN_FAILED,
        outcome=Outcome.FAILURE,
        reason=error.code,
        user_id=user_id,
        context=context,
    )
    write_session.commit()


def _refresh_grant(
    request: RefreshGrantForm,
    *,
    session: Session,
    settings: Settings,
    token_settings: TokenSettings,
) -> LoginResponse:
    try:
        tokens = rotate_refresh_token(
            request.refresh_token,
            session=session,
            grace=settings.refresh_reuse_grace,
            token_settings=token_settings,
        )
    except RefreshTokenReusedError:
        raise RefreshGrantReusedError() from None
    except InvalidTokenError:
        raise InvalidRefreshGrantError() from None
    return LoginResponse(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        refresh_expires_in=tokens.refresh_expires_in,
    )


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


def _still_as_verified(session: Session, *, account: _Account) -> bool:
    # FOR UPDATE: on PostgreSQL a change in flight is waited for and then seen; SQLite ignores
    # it, and there the write transaction already holds the only write lock.
    found = session.scalar(
        select(User.id)
        .where(
            User.id == account.id,
            User.hashed_password == account.hashed_password,
            User.is_active.is_(True),
        )
        .with_for_update()
    )
    return found is not None


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
