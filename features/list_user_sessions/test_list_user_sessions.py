"""GET /api/users/{user_id}/sessions."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from features.list_user_sessions import handler
from features.list_user_sessions.schemas import ListUserSessionsRequest
from shared.db.models import User
from shared.errors import NotFoundError
from tests.factories import UserFactory
from tests.fixtures import Tokens


def url(user_id: int) -> str:
    return f"/api/users/{user_id}/sessions"


def test_admin_lists_a_users_live_sessions_none_current(
    client: TestClient, user: User, admin: User, login_as: Callable[[User], Tokens]
) -> None:
    first, second = login_as(user), login_as(user)
    login_as(UserFactory.create())
    response = client.get(url(user.id), headers=login_as(admin).headers)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [second.session_id, first.session_id]
    assert [item["current"] for item in items] == [False, False]


def test_admin_sees_no_current_even_on_their_own(
    client: TestClient, admin: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(admin)
    items = client.get(url(admin.id), headers=tokens.headers).json()["items"]
    assert [(item["id"], item["current"]) for item in items] == [(tokens.session_id, False)]


def test_a_non_admin_is_refused_even_for_themself(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    for target in (user.id, UserFactory.create().id):
        response = client.get(url(target), headers=tokens.headers)
        assert response.status_code == 403
        assert tokens.session_id not in response.text


@pytest.mark.parametrize("user_id", ["0", "-1", "999999", str(2**63), str(2**70)])
def test_unknown_or_impossible_user_is_404(
    client: TestClient, admin: User, login_as: Callable[[User], Tokens], user_id: str
) -> None:
    response = client.get(f"/api/users/{user_id}/sessions", headers=login_as(admin).headers)
    assert response.status_code in (404, 422)
    assert response.headers["content-type"] == "application/problem+json"


def test_needs_a_token(client: TestClient, user: User) -> None:
    assert client.get(url(user.id)).status_code == 401


def test_handler_refuses_an_unknown_user(db_session: Session) -> None:
    with pytest.raises(NotFoundError):
        handler.handle(ListUserSessionsRequest(user_id=987654), session=db_session)
