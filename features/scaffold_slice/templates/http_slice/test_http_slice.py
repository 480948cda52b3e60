"""GET /api/http-slice."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from features.scaffold_slice.templates.http_slice import handler
from features.scaffold_slice.templates.http_slice.schemas import HttpSliceRequest
from shared.accounts.principal import Account, Principal
from shared.db.models import User
from tests.fixtures import Tokens


def test_http_slice_does_what_the_team_defined(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    # Fails on purpose until the team decides what this slice is for: replace it with the
    # behaviour a client relies on (status, body, and what changed in the database).
    client.get("/api/http-slice", headers=login_as(user).headers)
    pytest.fail("http_slice: define this slice's behaviour and test it here (CONTRIBUTING.md)")


def test_anonymous_caller_gets_401_problem(client: TestClient) -> None:
    response = client.get("/api/http-slice")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_answers_the_caller_with_nothing_personal(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    response = client.get("/api/http-slice", headers=login_as(user).headers)
    assert response.status_code == 200
    assert response.json() == {"user_id": user.id}
    assert user.email not in response.text


def test_handler_answers_for_the_caller(user: User) -> None:
    caller = Principal(user=Account.of(user), session_id="a-session")
    assert handler.handle(HttpSliceRequest(), caller=caller).user_id == user.id
