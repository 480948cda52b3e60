"""GET /api/users/{user_id}."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from features.get_user import handler
from features.get_user.schemas import GetUserRequest
from shared.accounts.principal import Account, Principal
from shared.db.models import User
from shared.errors import NotFoundError
from tests.factories import UserFactory
from tests.fixtures import Tokens

USER_FIELDS = {
    "id",
    "email",
    "full_name",
    "role",
    "is_active",
    "email_verified",
    "created_at",
    "updated_at",
}


def test_user_reads_themself_with_etag(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    response = client.get(f"/api/users/{user.id}", headers=login_as(user).headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == USER_FIELDS
    assert body["id"] == user.id
    assert body["email"] == user.email
    assert body["role"] == "user"
    assert body["created_at"].endswith("Z")
    assert response.headers["etag"] == user.etag
    assert user.hashed_password not in response.text
    assert "password" not in response.text


def test_admin_reads_anyone(
    client: TestClient, user: User, admin: User, login_as: Callable[[User], Tokens]
) -> None:
    response = client.get(f"/api/users/{user.id}", headers=login_as(admin).headers)
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_user_reading_another_user_gets_the_same_404_as_for_a_missing_id(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    other = UserFactory.create()
    headers = login_as(user).headers
    existing = client.get(f"/api/users/{other.id}", headers=headers)
    missing = client.get(f"/api/users/{other.id + 1000}", headers=headers)
    assert existing.status_code == missing.status_code == 404
    assert existing.headers["content-type"] == "application/problem+json"
    assert existing.json()["detail"] == missing.json()["detail"]
    assert existing.json()["code"] == missing.json()["code"] == "not_found"
    assert other.email not in existing.text


@pytest.mark.parametrize("user_id", ["0", "-1", str(2**63), str(2**64), "99999999", "1e3"])
def test_ids_no_user_can_have_get_404(
    client: TestClient, admin: User, login_as: Callable[[User], Tokens], user_id: str
) -> None:
    response = client.get(f"/api/users/{user_id}", headers=login_as(admin).headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic eDp5"}]
)
def test_without_a_valid_token_gets_401(
    client: TestClient, user: User, headers: dict[str, str]
) -> None:
    response = client.get(f"/api/users/{user.id}", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert user.email not in response.text


def test_deactivated_users_token_gets_401(
    client: TestClient, user: User, login_as: Callable[[User], Tokens], db_session: Session
) -> None:
    headers = login_as(user).headers
    user.is_active = False
    db_session.commit()
    assert client.get(f"/api/users/{user.id}", headers=headers).status_code == 401


@pytest.mark.parametrize(
    "if_none_match", ["{etag}", "*", "W/{etag}", '"other", {etag}', 'W/"x",W/{etag}']
)
def test_matching_if_none_match_gets_304_without_body(
    client: TestClient, user: User, login_as: Callable[[User], Tokens], if_none_match: str
) -> None:
    response = client.get(
        f"/api/users/{user.id}",
        headers={**login_as(user).headers, "If-None-Match": if_none_match.format(etag=user.etag)},
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == user.etag


def test_stale_if_none_match_gets_200_with_the_new_etag(
    client: TestClient, user: User, login_as: Callable[[User], Tokens], db_session: Session
) -> None:
    headers = login_as(user).headers
    old_etag = user.etag
    user.full_name = "Changed Name"
    db_session.commit()
    response = client.get(f"/api/users/{user.id}", headers={**headers, "If-None-Match": old_etag})
    assert response.status_code == 200
    assert response.json()["full_name"] == "Changed Name"
    assert response.headers["etag"] != old_etag
    assert response.headers["etag"] == user.etag


def test_304_is_not_given_for_another_users_etag(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    other = UserFactory.create()
    response = client.get(
        f"/api/users/{other.id}", headers={**login_as(user).headers, "If-None-Match": other.etag}
    )
    assert response.status_code == 404


def test_openapi_declares_the_responses(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/users/{user_id}"]["get"]
    assert operation["operationId"] == "get_user"
    assert {"200", "304", "401", "404", "422"} <= set(operation["responses"])
    assert "ETag" in operation["responses"]["200"]["headers"]


# --- the handler alone ------------------------------------------------------------------------


def test_handler_finds_the_user_for_an_admin(db_session: Session) -> None:
    admin, target = UserFactory.create(role="admin"), UserFactory.create()
    found = handler.handle(
        GetUserRequest(user_id=target.id),
        session=db_session,
        caller=Principal(Account.of(admin), "sid"),
    )
    assert found.user.email == target.email
    assert found.etag == target.etag


@pytest.mark.parametrize("offset", [1000, -(10**6), 2**64])
def test_handler_refuses_missing_and_impossible_ids(db_session: Session, offset: int) -> None:
    admin = UserFactory.create(role="admin")
    with pytest.raises(NotFoundError):
        handler.handle(
            GetUserRequest(user_id=admin.id + offset),
            session=db_session,
            caller=Principal(Account.of(admin), "sid"),
        )


def test_handler_hides_other_users_from_non_admins(db_session: Session) -> None:
    caller, target = UserFactory.create(), UserFactory.create()
    with pytest.raises(NotFoundError):
        handler.handle(
            GetUserRequest(user_id=target.id),
            session=db_session,
            caller=Principal(Account.of(caller), "sid"),
        )
