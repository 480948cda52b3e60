"""Every check of a password counts against the account, and logout is limited per IP."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from shared.config import Settings
from shared.db.models import User
from tests.factories import DEFAULT_PASSWORD
from tests.fixtures import Tokens


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "rate_limit_enabled": True,
            "rate_limit_login_failures": "5/15minutes",
            "rate_limit_logout": "3/minute",
        }
    )


def change_email(client: TestClient, user: User, tokens: Tokens, current_password: str) -> int:
    response = client.put(
        f"/api/users/{user.id}",
        json={"email": "taken.over@example.com", "current_password": current_password},
        headers=tokens.headers,
    )
    return response.status_code


def test_wrong_current_passwords_count_as_failed_attempts(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    assert [change_email(client, user, tokens, f"guess {n}") for n in range(5)] == [403] * 5
    # The right password now answers 429: the guesser learns nothing from it.
    assert change_email(client, user, tokens, DEFAULT_PASSWORD) == 429
    login = client.post("/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 429


def test_wrong_logins_count_against_current_password_checks(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    for n in range(5):
        body = {"email": user.email, "password": f"guess {n}"}
        assert client.post("/api/auth/login", json=body).status_code == 401
    assert change_email(client, user, login_as(user), DEFAULT_PASSWORD) == 429


def test_a_right_current_password_forgets_earlier_failures(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    for n in range(4):
        change_email(client, user, tokens, f"guess {n}")
    response = client.put(
        f"/api/users/{user.id}",
        json={"full_name": "Still Me", "email": user.email, "current_password": DEFAULT_PASSWORD},
        headers=tokens.headers,
    )
    assert response.status_code == 200
    assert [change_email(client, user, tokens, f"again {n}") for n in range(5)] == [403] * 5


def test_logout_is_limited_per_ip(client: TestClient) -> None:
    statuses = [
        client.post("/api/auth/logout", json={"refresh_token": f"v1.s{n}.0.x"}).status_code
        for n in range(4)
    ]
    assert statuses == [204, 204, 204, 429]
