"""An admin demoted while their request runs: its admin-only change is refused.

The caller is authenticated at the start of the request; these tests demote them between
that check and the write transaction, as a demotion committing meanwhile would."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from shared.accounts.principal import Account, Principal
from shared.config import Settings
from shared.db.models import Role, User
from shared.errors import ForbiddenError
from shared.ratelimit.limiter import FailureCounter, RateLimiter
from tests.factories import AdminFactory, UserFactory
from tests.fixtures import skip_without_slices

skip_without_slices("create_user", "delete_user", "update_user")

# After the skip: without these slices the module has nothing to import or test.
from features.create_user import handler as create_user  # noqa: E402
from features.create_user.schemas import CreateUserRequest  # noqa: E402
from features.delete_user import handler as delete_user  # noqa: E402
from features.delete_user.schemas import DeleteUserRequest  # noqa: E402
from features.update_user import handler as update_user  # noqa: E402
from features.update_user.schemas import UpdateUserRequest  # noqa: E402

DEMOTIONS: dict[str, dict[str, object]] = {
    "demoted": {"role": Role.USER.value},
    "deactivated": {"is_active": False},
}


def authenticated_then_demoted(db_session: Session, demotion: str) -> Principal:
    AdminFactory.create()  # another admin, who does the demoting
    admin = AdminFactory.create()
    # What authentication saw: a snapshot of the row, as the real dependency makes.
    principal = Principal(Account.of(admin), "sid")
    db_session.execute(update(User).where(User.id == admin.id).values(**DEMOTIONS[demotion]))
    db_session.commit()
    db_session.expire_all()
    return principal


@pytest.mark.parametrize("demotion", DEMOTIONS)
def test_a_promotion_by_a_demoted_admin_is_refused(
    db_session: Session, settings: Settings, demotion: str
) -> None:
    target = UserFactory.create()
    caller = authenticated_then_demoted(db_session, demotion)
    with pytest.raises(ForbiddenError):
        update_user.handle(
            UpdateUserRequest(role="admin"),
            user_id=target.id,
            if_match=None,
            session=db_session,
            caller=caller,
            settings=settings,
            failures=FailureCounter(RateLimiter(settings)),
        )
    db_session.rollback()
    assert db_session.get(User, target.id).role == Role.USER.value  # type: ignore[union-attr]


@pytest.mark.parametrize("demotion", DEMOTIONS)
def test_a_deletion_by_a_demoted_admin_is_refused(db_session: Session, demotion: str) -> None:
    target = UserFactory.create()
    caller = authenticated_then_demoted(db_session, demotion)
    with pytest.raises(ForbiddenError):
        delete_user.handle(DeleteUserRequest(user_id=target.id), session=db_session, caller=caller)
    db_session.rollback()
    assert db_session.get(User, target.id) is not None


@pytest.mark.parametrize("demotion", DEMOTIONS)
def test_an_admin_creation_by_a_demoted_admin_is_refused(
    db_session: Session, settings: Settings, demotion: str
) -> None:
    caller = authenticated_then_demoted(db_session, demotion)
    request = CreateUserRequest(
        email="minted@example.com", password="Correct-Horse-Battery-9", role="admin"
    )
    with pytest.raises(ForbiddenError):
        create_user.handle(request, session=db_session, caller=caller, settings=settings)
