"""Create a user: who may, which fields they may set, and the password policy."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from features.create_user.schemas import CreateUserRequest, CreateUserResponse
from shared.accounts.admins import ensure_still_admin
from shared.accounts.notices import send_verification
from shared.accounts.principal import Principal
from shared.audit.emitter import record_event
from shared.audit.events import EventType
from shared.config import Settings
from shared.db.models import Role, User, email_key
from shared.errors import EmailTakenError, ForbiddenError, UnauthorizedError, WeakPasswordError
from shared.security.passwords import hash_password, password_problems

ADMIN_ONLY_FIELDS = frozenset({"role", "is_active", "email_verified"})


def handle(
    request: CreateUserRequest,
    *,
    session: Session,
    caller: Principal | None,
    settings: Settings,
) -> CreateUserResponse:
    """Create the user as the caller may: anyone while registration is open, admins always.

    Raises UnauthorizedError or ForbiddenError when registration is closed to the caller,
    ForbiddenError when a non-admin sets an admin-only field, WeakPasswordError when the
    password fails the policy, and EmailTakenError when the email already has an account.
    """
    is_admin = caller is not None and caller.is_admin
    if not settings.registration_open and not is_admin:
        if caller is None:
            raise UnauthorizedError("Registration is closed; an administrator must create users.")
        raise ForbiddenError("Registration is closed; only administrators create users.")
    if not is_admin and request.model_fields_set & ADMIN_ONLY_FIELDS:
        raise ForbiddenError("Only administrators may set role, is_active or email_verified.")
    problems = password_problems(
        request.password, email=request.email, min_length=settings.password_min_length
    )
    if problems:
        raise WeakPasswordError(problems)

    # Hashed before the transaction starts: the write lock is never held for bcrypt's ~250 ms.
    hashed = hash_password(request.password, rounds=settings.bcrypt_rounds)
    user = User(
        email=request.email,
        email_key=email_key(request.email),
        full_name=request.full_name,
        hashed_password=hashed,
        role=request.role or Role.USER.value,
        is_active=True if request.is_active is None else request.is_active,
        email_verified=bool(request.email_verified),
    )
    if is_admin and (
        not settings.registration_open or request.model_fields_set & ADMIN_ONLY_FIELDS
    ):
        # Only an admin may do this: the caller must still be one as the user is written.
        ensure_still_admin(session, user_id=caller.user_id)  # type: ignore[union-attr]
    session.add(user)
    try:
        # The id is needed for the event, which commits with the user or not at all.
        session.flush()
        record_event(
            session,
            EventType.USER_CREATED,
            user_id=user.id,
            actor_user_id=caller.user_id if caller is not None else None,
        )
        # Queued in this transaction: the account and its verification mail exist together.
        if not user.email_verified:
            send_verification(session, user, settings=settings)
        session.commit()
    except IntegrityError:
        # The unique index decides, so of racing sign-ups with one email exactly one wins.
        session.rollback()
        raise EmailTakenError() from None
    return CreateUserResponse.model_validate(user, from_attributes=True)
