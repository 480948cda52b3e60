"""Create a user: who may, which fields they may set, and the password policy."""

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from features.create_user.schemas import CreateUserRequest, CreateUserResponse
from shared.accounts.notices import send_verification
from shared.accounts.principal import Principal
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
    """Raises UnauthorizedError or ForbiddenError (registration closed, admin-only fields),
    WeakPasswordError and EmailTakenError."""
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
    session.add(user)
    try:
        session.flush()
        # Queued in this transaction: the account and its verification mail exist together.
        if not user.email_verified:
            send_verification(session, user, settings=settings)
        session.commit()
    except IntegrityError:
        # The unique index decides, so of racing sign-ups with one email exactly one wins.
        session.rollback()
        raise EmailTakenError() from None
    return CreateUserResponse.model_validate(user, from_attributes=True)
