"""Create an admin, or promote (and activate) an existing user: the use case, free of the CLI."""

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from features.create_admin.schemas import CreateAdminRequest, CreateAdminResponse
from shared.accounts.revocation import revoke_user_sessions
from shared.config import Settings
from shared.db.engine import Database
from shared.db.models import Role, User, email_key
from shared.db.schema import ensure_migrated
from shared.security.passwords import hash_password, password_problems


class AdminRefusedError(ValueError):
    """The command cannot do what was asked; the message tells the operator why."""


def handle(request: CreateAdminRequest, *, settings: Settings) -> CreateAdminResponse:
    """Create the admin, or promote the existing user with that email; idempotent.

    Raises AdminRefusedError for an invalid email, a refused password, or a new admin with no
    password, and UnmigratedDatabaseError when the database is not at the newest migration.
    """
    try:
        email = validate_email(request.email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise AdminRefusedError(f"Not a valid email address: {exc}") from None
    password = None if request.password is None else request.password.get_secret_value()
    if password is not None:
        problems = password_problems(password, email=email, min_length=settings.password_min_length)
        if problems:
            raise AdminRefusedError("Password refused: " + " ".join(problems))
    # Hashed before the write transaction: SQLite's write lock is never held for bcrypt.
    hashed = None if password is None else hash_password(password, rounds=settings.bcrypt_rounds)
    database = Database.from_settings(settings)
    try:
        ensure_migrated(database.engine)
        with database.write_sessions() as session:
            user = session.scalars(
                select(User).where(User.email_key == email_key(email))
            ).one_or_none()
            if user is None:
                if hashed is None:
                    raise AdminRefusedError(
                        "No password: set ADMIN_PASSWORD or run in a terminal to be prompted."
                    )
                user = User(
                    email=email,
                    email_key=email_key(email),
                    full_name=request.full_name,
                    hashed_password=hashed,
                    role=Role.ADMIN.value,
                    is_active=True,
                )
                session.add(user)
                session.commit()
                return CreateAdminResponse(user_id=user.id, email=user.email, created=True)
            # A role or password change revokes every earlier token (the user logs in again as
            # an admin); re-running for an existing admin without a password logs nobody out.
            revoke = user.role != Role.ADMIN.value or hashed is not None
            user.role = Role.ADMIN.value
            user.is_active = True
            if hashed is not None:
                user.hashed_password = hashed
            if request.full_name is not None:
                user.full_name = request.full_name
            if revoke:
                revoke_user_sessions(session, user_id=user.id)
            session.commit()
            return CreateAdminResponse(user_id=user.id, email=user.email, created=False)
    finally:
        database.dispose()


def user_exists(email: str, *, settings: Settings) -> bool:
    """Whether an account has this email, so the command prompts only when it must."""
    database = Database.from_settings(settings)
    try:
        ensure_migrated(database.engine)
        with database.read_sessions() as session:
            found = session.scalar(select(User.id).where(User.email_key == email_key(email)))
        return found is not None
    finally:
        database.dispose()
