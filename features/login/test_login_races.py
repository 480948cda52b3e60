"""A login whose password check overlaps a change of the user opens no session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from features.login import handler
from features.login.errors import WrongPasswordError
from features.login.schemas import LoginRequest
from shared.audit.events import RequestContext
from shared.config import Settings
from shared.db.models import AuthSession, User
from shared.ratelimit.limiter import FailureCounter, RateLimiter
from shared.security import passwords
from shared.security.access_tokens import TokenSettings
from tests.factories import DEFAULT_PASSWORD, UserFactory, hashed

CHANGES: dict[str, Callable[[Session, int], object]] = {
    "password changed": lambda s, uid: s.execute(
        update(User).where(User.id == uid).values(hashed_password=hashed("Another-Pass-77"))
    ),
    "deactivated": lambda s, uid: s.execute(
        update(User).where(User.id == uid).values(is_active=False)
    ),
    "deleted": lambda s, uid: s.execute(delete(User).where(User.id == uid)),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_committed_during_the_password_check_opens_no_session(
    db_session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    user = UserFactory.create()
    real_verify = passwords.verify_password

    def verify_while_the_user_changes(password: str, hashed_password: str) -> bool:
        verified = real_verify(password, hashed_password)
        CHANGES[change](db_session, user.id)
        db_session.commit()
        return verified

    monkeypatch.setattr(handler, "verify_password", verify_while_the_user_changes)
    with pytest.raises(WrongPasswordError):
        handler.handle(
            LoginRequest(email=user.email, password=DEFAULT_PASSWORD),
            read_session=db_session,
            write_session=db_session,
            context=RequestContext(),
            settings=settings,
            token_settings=TokenSettings(
                secret="x" * 32,
                issuer="i",
                audience="a",
                algorithm="HS256",
                access_ttl=timedelta(minutes=1),
            ),
            failures=FailureCounter(RateLimiter(settings)),
        )
    sessions = db_session.scalar(
        select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user.id)
    )
    assert sessions == 0
