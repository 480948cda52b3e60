"""GET /api/users/me."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from features.get_me import handler
from features.get_me.schemas import GetMeRequest
from shared.accounts.principal import Account, Principal
from shared.db.models import User
from tests.factories import UserFactory
from tests.fixtures import Tokens


def test_me_returns_the_callers_user_with_etag(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    response = client.get("/api/users/me", headers=login_as(user).headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id", "email", "full_name", "role", "is_active", "email_verified",
        "created_at", "updated_at",
    }  # fmt: skip
    assert body["id"] == user.id
    assert body["email"] == user.email
    assert response.headers["etag"] == user.etag
    assert user.hashed_password not in response.text


def test_admin_gets_their_own_record(
    client: TestClient, admin: User, login_as: Callable[[User], Tokens]
) -> None:
    UserFactory.create()
    response = client.get("/api/users/me", headers=login_as(admin).headers)
    assert response.json()["id"] == admin.id
    assert response.json()["role"] == "admin"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer x.y.z"}])
def test_without_a_valid_token_gets_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/users/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


def test_revoked_session_gets_401(
    client: TestClient, user: User, login_as: Callable[[User], Tokens], db_session: Session
) -> None:
    tokens = login_as(user)
    db_session.delete(user)
    db_session.commit()
    assert client.get("/api/users/me", headers=tokens.headers).status_code == 401


def test_current_if_none_match_gets_304_and_stale_gets_200(
    client: TestClient, user: User, login_as: Callable[[User], Tokens], db_session: Session
) -> None:
    headers = login_as(user).headers
    etag = user.etag
    not_modified = client.get("/api/users/me", headers={**headers, "If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag

    user.full_name = "Someone Else"
    db_session.commit()
    changed = client.get("/api/users/me", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["full_name"] == "Someone Else"
    assert changed.headers["etag"] != etag


def test_openapi_declares_the_responses(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/users/me"]["get"]
    assert operation["operationId"] == "get_me"
    assert {"200", "304", "401"} <= set(operation["responses"])


def test_handler_returns_the_principals_user(db_session: Session) -> None:
    user = UserFactory.create()
    me = handler.handle(GetMeRequest(), caller=Principal(Account.of(user), "sid"))
    assert me.user.id == user.id
    assert me.etag == user.etag
