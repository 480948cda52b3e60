"""POST /api/auth/introspect."""

import base64
from collections.abc import Callable

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session

from shared.accounts.revocation import revoke_user_sessions
from shared.config import Settings
from shared.db.models import User
from tests.fixtures import Tokens

URL = "/api/auth/introspect"
SECRET = "backend-secret-0123456789"


def basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"introspection_clients": {"backend": SecretStr(SECRET)}})


def introspect(client: TestClient, token: str) -> dict[str, object]:
    response = client.post(URL, data={"token": token}, headers=basic("backend", SECRET))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    return dict(response.json())


def test_live_token_is_active_with_its_claims(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    body = introspect(client, tokens.access_token)
    assert body["active"] is True
    assert body["sub"] == str(user.id)
    assert body["sid"] == tokens.session_id
    assert body["token_type"] == "access_token"
    assert body["role"] == "user"
    assert {"exp", "iat", "iss", "aud"} <= set(body)


def test_revoked_session_is_inactive_at_once(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    assert introspect(client, tokens.access_token)["active"] is True
    revoke_user_sessions(db_session, user_id=user.id)  # what a password change does
    db_session.commit()
    assert introspect(client, tokens.access_token) == {"active": False}


def test_expired_token_is_inactive(
    client: TestClient, user: User, login_as: Callable[[User], Tokens], settings: Settings
) -> None:
    tokens = login_as(user)
    claims = jwt.decode(tokens.access_token, options={"verify_signature": False})
    header = jwt.get_unverified_header(tokens.access_token)
    expired = {**claims, "exp": claims["iat"] - 1, "iat": claims["iat"] - 3600}
    token = jwt.encode(expired, settings.jwt_secret.get_secret_value(), headers=header)  # type: ignore[union-attr]
    assert introspect(client, token) == {"active": False}


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "rt1.x.0.y", "x" * 10_000])
def test_garbage_is_inactive(client: TestClient, token: str) -> None:
    assert introspect(client, token) == {"active": False}


def test_a_refresh_token_is_not_an_active_access_token(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    assert introspect(client, login_as(user).refresh_token) == {"active": False}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("backend", SECRET + "x"),
        basic("backend", SECRET[:-1]),
        basic("someone", SECRET),
        {"Authorization": "Basic !!!"},
        {"Authorization": "Bearer " + SECRET},
    ],
)
def test_wrong_or_no_client_credentials_are_401_basic(
    client: TestClient, user: User, login_as: Callable[[User], Tokens], headers: dict[str, str]
) -> None:
    response = client.post(URL, data={"token": login_as(user).access_token}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    body = response.json()
    assert body["code"] == body["error"] == "invalid_client"
    assert "active" not in body


def test_no_token_is_400_invalid_request(client: TestClient) -> None:
    response = client.post(URL, data={}, headers=basic("backend", SECRET))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
