"""Confirm a password reset: spend the token, set the password, end every session."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from features.confirm_password_reset.schemas import ConfirmPasswordResetRequest
from shared.accounts.notices import send_password_changed
from shared.accounts.revocation import revoke_user_sessions
from shared.config import Settings
from shared.db.models import User, utcnow
from shared.errors import InvalidOneTimeTokenError, WeakPasswordError
from shared.observability.logs import security_event
from shared.security import one_time_tokens
from shared.security.passwords import hash_password, password_problems


def handle(
    request: ConfirmPasswordResetRequest,
    *,
    read_session: Session,
    write_session: Session,
    settings: Settings,
) -> None:
    """Raises InvalidOneTimeTokenError for a token that is not a live reset token of an active
    account's current password, and WeakPasswordError (the token stays unspent)."""
    holder = one_time_tokens.find_live(read_session, request.token, purpose="reset_password")
    user = None if holder is None else read_session.get(User, holder.user_id)
    # bcrypt takes a quarter of a second: no transaction (on SQLite, no lock) is held for it.
    read_session.rollback()
    if holder is None or user is None or not user.is_active:
        raise InvalidOneTimeTokenError()
    old_hash = user.hashed_password
    binding = one_time_tokens.binding_for(
        "reset_password", email_key=user.email_key, hashed_password=old_hash
    )
    if binding != holder.binding:
        raise InvalidOneTimeTokenError()  # the password changed since the link was sent
    problems = password_problems(
        request.password, email=user.email, min_length=settings.password_min_length
    )
    if problems:
        raise WeakPasswordError(problems)
    new_hash = hash_password(request.password, rounds=settings.bcrypt_rounds)

    spent_by = one_time_tokens.spend(
        write_session, request.token, purpose="reset_password", binding=binding
    )
    # Only over the password the token was issued for: a change that slipped in since the
    # read above (another reset, a PUT) wins, and this token is dead with it.
    changed = write_session.execute(
        update(User)
        .where(User.id == user.id, User.hashed_password == old_hash, User.is_active.is_(True))
        .values(
            hashed_password=new_hash,
            # Whoever follows a link mailed to the address owns the address.
            email_verified=True,
            version=User.version + 1,
            updated_at=utcnow(),
        )
    )
    if spent_by != user.id or changed.rowcount != 1:  # type: ignore[attr-defined]
        write_session.rollback()
        raise InvalidOneTimeTokenError()
    revoke_user_sessions(write_session, user_id=user.id)
    fresh = write_session.scalars(
        select(User).where(User.id == user.id).execution_options(populate_existing=True)
    ).one()
    send_password_changed(write_session, fresh, settings=settings)
    write_session.commit()
    security_event("password_reset_completed", user_id=user.id)
