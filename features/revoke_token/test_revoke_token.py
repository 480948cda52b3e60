"""POST /api/auth/revoke."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from shared.db.models import User
from tests.fixtures import WHOAMI_PATH, Tokens

URL = "/api/auth/revoke"


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
def test_either_token_ends_its_session_only(
    client: TestClient, user: User, login_as: Callable[[User], Tokens], which: str
) -> None:
    tokens, other = login_as(user), login_as(user)
    response = client.post(URL, data={"token": getattr(tokens, which), "token_type_hint": which})
    assert response.status_code == 200
    assert client.get(WHOAMI_PATH, headers=tokens.headers).status_code == 401
    assert client.get(WHOAMI_PATH, headers=other.headers).status_code == 200


@pytest.mark.parametrize("token", ["garbage", "rt1.x.0.y", "a.b.c"])
def test_unknown_tokens_get_200_and_end_nothing(
    client: TestClient, user: User, login_as: Callable[[User], Tokens], token: str
) -> None:
    tokens = login_as(user)
    assert client.post(URL, data={"token": token}).status_code == 200
    assert client.get(WHOAMI_PATH, headers=tokens.headers).status_code == 200


def test_no_token_is_400_invalid_request(client: TestClient) -> None:
    response = client.post(URL, data={"token_type_hint": "access_token"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
