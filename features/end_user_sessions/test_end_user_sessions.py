"""DELETE /api/users/{user_id}/sessions."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from features.end_user_sessions import handler
from features.end_user_sessions.schemas import EndUserSessionsRequest
from shared.accounts.principal import Account, Principal
from shared.db.models import AuditEvent, User
from shared.errors import NotFoundError
from tests.factories import UserFactory
from tests.fixtures import WHOAMI_PATH, Tokens


def url(user_id: int) -> str:
    return f"/api/users/{user_id}/sessions"


def test_admin_ends_every_session_of_a_user_at_once(
    client: TestClient,
    db_session: Session,
    user: User,
    admin: User,
    login_as: Callable[[User], Tokens],
) -> None:
    phone, laptop = login_as(user), login_as(user)
    bystander = login_as(UserFactory.create())
    admin_tokens = login_as(admin)
    assert client.delete(url(user.id), headers=admin_tokens.headers).status_code == 204
    for tokens in (phone, laptop):
        assert client.get(WHOAMI_PATH, headers=tokens.headers).status_code == 401
    assert client.get(WHOAMI_PATH, headers=bystander.headers).status_code == 200
    assert client.get(WHOAMI_PATH, headers=admin_tokens.headers).status_code == 200
    (event,) = db_session.scalars(select(AuditEvent))
    assert (event.type, event.user_id, event.actor_user_id) == (
        "session.revoked",
        user.id,
        admin.id,
    )


def test_a_non_admin_is_refused_and_nothing_ends(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    victim = UserFactory.create()
    victim_tokens = login_as(victim)
    response = client.delete(url(victim.id), headers=login_as(user).headers)
    assert response.status_code == 403
    assert client.get(WHOAMI_PATH, headers=victim_tokens.headers).status_code == 200


@pytest.mark.parametrize("user_id", ["0", "999999", str(2**63), str(2**70)])
def test_unknown_user_is_404(
    client: TestClient, admin: User, login_as: Callable[[User], Tokens], user_id: str
) -> None:
    response = client.delete(f"/api/users/{user_id}/sessions", headers=login_as(admin).headers)
    assert response.status_code in (404, 422)


def test_needs_a_token(client: TestClient, user: User) -> None:
    assert client.delete(url(user.id)).status_code == 401


def test_handler_refuses_an_unknown_user(db_session: Session, admin: User) -> None:
    with pytest.raises(NotFoundError):
        handler.handle(
            EndUserSessionsRequest(user_id=987654),
            session=db_session,
            caller=Principal(Account.of(admin), "sid"),
        )
