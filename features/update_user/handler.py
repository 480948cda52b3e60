"""Update a user: who may change what, the password rules, and the last active admin."""

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from features.update_user.errors import CurrentPasswordRequiredError, WrongCurrentPasswordError
from features.update_user.schemas import UpdateUserRequest, UpdateUserResponse
from shared.accounts.admins import ensure_another_active_admin, ensure_still_admin
from shared.accounts.notices import send_email_changed, send_password_changed, send_verification
from shared.accounts.principal import Principal
from shared.accounts.revocation import revoke_user_sessions
from shared.audit.emitter import record_event
from shared.audit.events import EventType
from shared.config import Settings
from shared.db.models import Role, User, email_key
from shared.errors import (
    EmailTakenError,
    ForbiddenError,
    NotFoundError,
    PreconditionFailedError,
    WeakPasswordError,
)
from shared.http.etags import if_match_passes
from shared.ratelimit.limiter import FailureCounter
from shared.security.passwords import hash_password, password_problems, verify_password
from shared.values import is_row_id

ADMIN_ONLY_FIELDS = frozenset({"role", "is_active", "email_verified"})
# Someone holding a stolen token must not be able to take the account over with it.
NEEDS_CURRENT_PASSWORD = frozenset({"email", "password"})


@dataclass(frozen=True, slots=True)
class UpdatedUser:
    user: UpdateUserResponse
    etag: str


# Changes after which every token issued so far must be refused.
REVOKING_EVENTS = frozenset(
    {EventType.PASSWORD_CHANGED, EventType.USER_ROLE_CHANGED, EventType.USER_DEACTIVATED}
)


def handle(
    request: UpdateUserRequest,
    *,
    user_id: int,
    if_match: str | None,
    session: Session,
    caller: Principal,
    settings: Settings,
    failures: FailureCounter,
) -> UpdatedUser:
    """Apply a partial update as the caller may, revoking every session when it must.

    Raises NotFoundError for an unknown id or another user's (to a non-admin), ForbiddenError
    for an admin-only field, CurrentPasswordRequiredError or WrongCurrentPasswordError,
    RateLimitedError when the account has failed its password checks too often,
    WeakPasswordError, PreconditionFailedError (stale If-Match), LastAdminError and
    EmailTakenError.
    """
    is_self = user_id == caller.user_id
    if not caller.is_admin and not is_self:
        raise NotFoundError("No such user.")
    changing = request.model_fields_set - {"current_password"}
    if not caller.is_admin and changing & ADMIN_ONLY_FIELDS:
        raise ForbiddenError("Only administrators may change role, is_active or email_verified.")

    # bcrypt runs before the write transaction begins, so the write lock is never held for it.
    if is_self and changing & NEEDS_CURRENT_PASSWORD:
        _check_current_password(
            request.current_password,
            hashed=caller.user.hashed_password,
            failures=failures,
            account=email_key(caller.user.email),
        )
    new_hash = None
    if request.password is not None:
        known_email = request.email or (caller.user.email if is_self else None)
        _refuse_weak_password(request.password, email=known_email, settings=settings)
        new_hash = hash_password(request.password, rounds=settings.bcrypt_rounds)

    user = session.get(User, user_id) if is_row_id(user_id) else None
    if user is None:
        raise NotFoundError("No such user.")
    if not if_match_passes(if_match, user.etag):
        raise PreconditionFailedError()
    if caller.is_admin and (not is_self or changing & ADMIN_ONLY_FIELDS):
        ensure_still_admin(session, user_id=caller.user_id)
    if request.password is not None:
        # Cheap, and only now is the email known when an admin sets someone else's password.
        _refuse_weak_password(
            request.password, email=request.email or user.email, settings=settings
        )
    if _removes_an_active_admin(user, request):
        ensure_another_active_admin(session, user_id=user.id)

    old_email = user.email
    events = _apply(request, user=user, new_hash=new_hash)
    try:
        # Reactivation revives nothing: the sessions ended at deactivation stay ended.
        if REVOKING_EVENTS.intersection(events):
            revoke_user_sessions(session, user_id=user.id)
        # In the change's transaction: a refused change (a taken email, a lost race) leaves
        # no event behind.
        for event in events:
            record_event(session, event, user_id=user.id, actor_user_id=caller.user_id)
        session.flush()
        _queue_notices(session, user=user, events=events, old_email=old_email, settings=settings)
        session.commit()
    except IntegrityError:
        # The unique index decides, so of two racing changes to one email exactly one wins.
        session.rollback()
        raise EmailTakenError() from None
    except StaleDataError:
        # Someone else changed the user after we read it (version_id_col): theirs stands.
        session.rollback()
        raise PreconditionFailedError() from None
    return UpdatedUser(
        user=UpdateUserResponse.model_validate(user, from_attributes=True), etag=user.etag
    )


def _queue_notices(
    session: Session, *, user: User, events: list[EventType], old_email: str, settings: Settings
) -> None:
    """The messages a change sends, queued in its transaction."""
    if user.email != old_email:
        send_email_changed(session, user, old_email=old_email)
        if not user.email_verified:
            send_verification(session, user, settings=settings)
    if EventType.PASSWORD_CHANGED in events:
        send_password_changed(session, user, settings=settings)


def _check_current_password(
    current_password: str | None, *, hashed: str, failures: FailureCounter, account: str
) -> None:
    if current_password is None:
        raise CurrentPasswordRequiredError()
    # A check of the password like a login's, so the same per-account count holds for both:
    # a stolen access token is no unthrottled oracle for the password.
    failures.reserve(account)
    if not verify_password(current_password, hashed):
        raise WrongCurrentPasswordError()
    failures.reset(account)


def _refuse_weak_password(password: str, *, email: str | None, settings: Settings) -> None:
    problems = password_problems(password, email=email, min_length=settings.password_min_length)
    if problems:
        raise WeakPasswordError(problems)


def _removes_an_active_admin(user: User, request: UpdateUserRequest) -> bool:
    if user.role != Role.ADMIN or not user.is_active:
        return False
    demoted = request.role is not None and request.role != Role.ADMIN.value
    return demoted or request.is_active is False


def _apply(request: UpdateUserRequest, *, user: User, new_hash: str | None) -> list[EventType]:
    """Make the requested changes; returns the audit events they make."""
    events = []
    profile_changed = False
    if request.email is not None and request.email != user.email:
        user.email = request.email
        user.email_key = email_key(request.email)
        profile_changed = True
        # Nobody has shown yet that the new address is theirs (an admin may say so below).
        user.email_verified = False
    if request.email_verified is not None and request.email_verified != user.email_verified:
        user.email_verified = request.email_verified
        profile_changed = True
    if "full_name" in request.model_fields_set and request.full_name != user.full_name:
        user.full_name = request.full_name
        profile_changed = True
    if profile_changed:
        events.append(EventType.USER_UPDATED)
    if new_hash is not None:
        user.hashed_password = new_hash
        events.append(EventType.PASSWORD_CHANGED)
    if request.role is not None and request.role != user.role:
        user.role = request.role
        events.append(EventType.USER_ROLE_CHANGED)
    if request.is_active is not None and request.is_active != user.is_active:
        user.is_active = request.is_active
        events.append(EventType.USER_ACTIVATED if request.is_active else EventType.USER_DEACTIVATED)
    return events
