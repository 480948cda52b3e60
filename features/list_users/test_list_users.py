"""GET /api/users."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from features.list_users import handler
from features.list_users.schemas import ListUsersQuery
from shared.db.models import User
from tests.factories import UserFactory
from tests.fixtures import Tokens


@pytest.fixture
def admin_headers(admin: User, login_as: Callable[[User], Tokens]) -> dict[str, str]:
    return login_as(admin).headers


def test_admin_lists_users_in_id_order_with_total(
    client: TestClient, admin: User, admin_headers: dict[str, str]
) -> None:
    created = [UserFactory.create() for _ in range(3)]
    response = client.get("/api/users", headers=admin_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 4
    assert body["limit"] == 50
    assert body["offset"] == 0
    assert [item["id"] for item in body["items"]] == sorted([admin.id, *(u.id for u in created)])
    assert set(body["items"][0]) == {
        "id", "email", "full_name", "role", "is_active", "email_verified",
        "created_at", "updated_at",
    }  # fmt: skip
    assert "hashed" not in response.text
    assert admin.hashed_password not in response.text


def test_limit_and_offset_page_through(
    client: TestClient, admin: User, admin_headers: dict[str, str]
) -> None:
    ids = sorted([admin.id, *(UserFactory.create().id for _ in range(4))])
    response = client.get("/api/users?limit=2&offset=1", headers=admin_headers)
    body = response.json()
    assert [item["id"] for item in body["items"]] == ids[1:3]
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 1)
    past_the_end = client.get(f"/api/users?offset={2**62}", headers=admin_headers).json()
    assert past_the_end["items"] == []
    assert past_the_end["total"] == 5


def test_email_filter_is_a_case_insensitive_substring(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    ada = UserFactory.create(email="Ada.Lovelace@Example.com")
    UserFactory.create(email="grace@example.org")
    response = client.get("/api/users?email=LOVELACE@EXAMPLE", headers=admin_headers)
    body = response.json()
    assert [item["id"] for item in body["items"]] == [ada.id]
    assert body["total"] == 1


@pytest.mark.parametrize(("search", "expected"), [("%", "per%cent"), ("_", "under_score")])
def test_like_wildcards_in_the_filter_match_literally(
    client: TestClient, admin_headers: dict[str, str], search: str, expected: str
) -> None:
    UserFactory.create(email="per%cent@example.com")
    UserFactory.create(email="under_score@example.com")
    UserFactory.create(email="plain@example.com")
    response = client.get("/api/users", params={"email": search}, headers=admin_headers)
    emails = [item["email"] for item in response.json()["items"]]
    assert emails == [f"{expected}@example.com"]


def test_backslash_in_the_filter_is_literal(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    UserFactory.create(email="plain@example.com")
    response = client.get("/api/users", params={"email": "\\"}, headers=admin_headers)
    assert response.json()["total"] == 0


def test_non_admin_gets_403(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    response = client.get("/api/users", headers=login_as(user).headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert user.email not in response.text


def test_anonymous_gets_401(client: TestClient, admin: User) -> None:
    response = client.get("/api/users")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=ten",
        "offset=-1",
        f"offset={2**62 + 1}",
        f"offset={2**64}",
        "email=",
        f"email={'x' * 321}",
    ],
)
def test_out_of_range_paging_gets_422(
    client: TestClient, admin_headers: dict[str, str], query: str
) -> None:
    response = client.get(f"/api/users?{query}", headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["loc"][0] == "query"


def test_openapi_declares_the_responses(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/users"]["get"]
    assert operation["operationId"] == "list_users"
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} == {"limit", "offset", "email"}


def test_handler_counts_all_matches_but_returns_one_page(db_session: Session) -> None:
    for n in range(5):
        UserFactory.create(email=f"match{n}@example.com")
    UserFactory.create(email="other@example.com")
    page = handler.handle(ListUsersQuery(limit=2, offset=0, email="MATCH"), session=db_session)
    assert page.total == 5
    assert [item.email for item in page.items] == ["match0@example.com", "match1@example.com"]
