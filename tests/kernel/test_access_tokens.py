"""Access tokens on a protected route: every forged or dead token is refused with 401."""

import base64
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db.models import AuthSession, User, utcnow
from shared.http.caller import CurrentUser
from shared.security.keys import symmetric_key_set
from tests import factories
from tests.factories import UserFactory
from tests.fixtures import TEST_SECRET, Tokens, app_for

PROBE = "/test/whoami"


@pytest.fixture
def app(settings: Settings, connection: Any, db_session: Session) -> FastAPI:
    """The application plus one route that needs an access token, whatever slices exist."""
    application = app_for(settings, connection)
    probe = APIRouter()

    @probe.get(PROBE)
    def whoami(caller: CurrentUser) -> dict[str, int]:
        return {"id": caller.user_id}

    application.include_router(probe)
    return application


def whoami(client: TestClient, token: str) -> Any:
    return client.get(PROBE, headers={"Authorization": f"Bearer {token}"})


def assert_refused(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


def segment(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims_for(tokens: Tokens, user: User, settings: Settings) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user.id),
        "sid": tokens.session_id,
        "typ": "access",
        "jti": "forged",
        "iat": now,
        "exp": now + 600,
    }


# The kid the service gives its HS256 key: a forgery that names it gets as far as the signature.
TEST_KID = symmetric_key_set(TEST_SECRET, algorithm="HS256", access_ttl=timedelta(0)).keys[0].kid


def sign(claims: dict[str, Any], *, key: str = TEST_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": TEST_KID})


def forgeries(claims: dict[str, Any], genuine: str) -> dict[str, str]:
    now = int(time.time())

    def without(name: str) -> dict[str, Any]:
        return {key: value for key, value in claims.items() if key != name}

    header, payload, signature = genuine.split(".")
    tampered = segment({**claims, "sub": str(int(claims["sub"]) + 1)})
    unsigned = f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}."
    rs_header = segment({"alg": "RS256", "typ": "JWT"})
    rs_style = f"{rs_header}.{segment(claims)}.{signature}"
    huge_header = segment({"alg": "HS256", "typ": "JWT", "kid": "k" * 10_240})
    return {
        "alg none": unsigned,
        "alg NONE, signature kept": f"{segment({'alg': 'NONE'})}.{payload}.{signature}",
        "HS512 with the right key": sign(claims, algorithm="HS512"),
        "no kid, right key": jwt.encode(claims, TEST_SECRET, algorithm="HS256"),
        "unknown kid, right key": jwt.encode(
            claims, TEST_SECRET, algorithm="HS256", headers={"kid": "no-such-key"}
        ),
        "RS256 header": rs_style,
        "another key": sign(claims, key="another-secret-that-is-long-enough-for-hs256"),
        "expired": sign({**claims, "iat": now - 7200, "exp": now - 3600}),
        "issued in the future": sign({**claims, "iat": now + 3600, "exp": now + 7200}),
        "wrong iss": sign({**claims, "iss": "someone-else"}),
        "wrong aud": sign({**claims, "aud": "another-service"}),
        "tampered payload": f"{header}.{tampered}.{signature}",
        "typ refresh": sign({**claims, "typ": "refresh"}),
        "typ missing": sign(without("typ")),
        "sid missing": sign(without("sid")),
        "jti missing": sign(without("jti")),
        "sub missing": sign(without("sub")),
        "exp missing": sign(without("exp")),
        "iat missing": sign(without("iat")),
        "sub not a number": sign({**claims, "sub": "admin"}),
        "sub of another user": sign({**claims, "sub": str(int(claims["sub"]) + 1)}),
        "sid unknown": sign({**claims, "sid": "no-such-session"}),
        "sid not a string": sign({**claims, "sid": 5}),
        "garbage": "garbage",
        "three dots": "a.b.c",
        "10 KB header": f"{huge_header}.{payload}.{signature}",
        "10 KB of junk": "x" * 10_240,
    }


def test_genuine_token_is_accepted(
    client: TestClient, user: User, login_as: Callable[[User], Tokens], settings: Settings
) -> None:
    tokens = login_as(user)
    response = whoami(client, sign(claims_for(tokens, user, settings)))
    assert response.status_code == 200
    assert response.json() == {"id": user.id}


@pytest.mark.filterwarnings("ignore:The HMAC key")
def test_every_forgery_is_401(
    client: TestClient, user: User, login_as: Callable[[User], Tokens], settings: Settings
) -> None:
    tokens = login_as(user)
    UserFactory.create()  # so "sub of another user" names a real user
    claims = claims_for(tokens, user, settings)
    for name, token in forgeries(claims, sign(claims)).items():
        response = whoami(client, token)
        assert response.status_code == 401, name
        assert_refused(response)


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"]
)
def test_missing_or_other_scheme_is_401(client: TestClient, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    assert_refused(client.get(PROBE, headers=headers))


def test_refresh_token_is_not_a_bearer_token(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    assert_refused(whoami(client, tokens.refresh_token))


def log_out(client: TestClient, db_session: Session, user: User, tokens: Tokens) -> None:
    response = client.post("/api/auth/logout", json={"refresh_token": tokens.refresh_token})
    assert response.status_code == 204


def expire(client: TestClient, db_session: Session, user: User, tokens: Tokens) -> None:
    db_session.execute(
        update(AuthSession)
        .where(AuthSession.id == tokens.session_id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db_session.commit()


def deactivate(client: TestClient, db_session: Session, user: User, tokens: Tokens) -> None:
    user.is_active = False
    db_session.commit()


def delete(client: TestClient, db_session: Session, user: User, tokens: Tokens) -> None:
    db_session.delete(user)
    db_session.commit()


@pytest.mark.parametrize("end", [log_out, expire, deactivate, delete])
def test_tokens_of_an_ended_session_are_401(
    client: TestClient,
    db_session: Session,
    login_as: Callable[[User], Tokens],
    end: Callable[[TestClient, Session, User, Tokens], None],
) -> None:
    user = UserFactory.create()
    tokens = login_as(user)
    assert whoami(client, tokens.access_token).status_code == 200
    end(client, db_session, user, tokens)
    assert_refused(whoami(client, tokens.access_token))
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": tokens.refresh_token})
    assert_refused(refreshed)


# --- journeys over the auth routes --------------------------------------------------------------


def log_in(client: TestClient, user: User) -> dict[str, Any]:
    response = client.post(
        "/api/auth/login", json={"email": user.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def refresh(client: TestClient, refresh_token: str) -> Any:
    return client.post("/api/auth/refresh", json={"refresh_token": refresh_token})


def test_login_refresh_and_reuse_journey(
    client: TestClient, db_session: Session, user: User
) -> None:
    first = log_in(client, user)
    bystander = log_in(client, user)
    assert whoami(client, first["access_token"]).json() == {"id": user.id}

    second = refresh(client, first["refresh_token"]).json()
    # Rotation spends the refresh token, not the session: both access tokens still work.
    assert whoami(client, first["access_token"]).status_code == 200
    assert whoami(client, second["access_token"]).status_code == 200

    # A retry inside the grace period: same successor, nothing revoked.
    retry = refresh(client, first["refresh_token"]).json()
    assert retry["refresh_token"] == second["refresh_token"]
    assert whoami(client, retry["access_token"]).status_code == 200

    # The same token once the grace period is over: the whole session dies.
    db_session.execute(update(AuthSession).values(rotated_at=utcnow() - timedelta(minutes=1)))
    db_session.commit()
    assert_refused(refresh(client, first["refresh_token"]))
    for token in (first["access_token"], second["access_token"], retry["access_token"]):
        assert_refused(whoami(client, token))
    assert_refused(refresh(client, second["refresh_token"]))

    # The user's other login is untouched.
    assert whoami(client, bystander["access_token"]).status_code == 200
    assert refresh(client, bystander["refresh_token"]).status_code == 200


def test_logout_kills_the_access_tokens_of_every_generation(client: TestClient, user: User) -> None:
    first = log_in(client, user)
    second = refresh(client, first["refresh_token"]).json()
    assert (
        client.post("/api/auth/logout", json={"refresh_token": second["refresh_token"]}).status_code
        == 204
    )
    for token in (first["access_token"], second["access_token"]):
        assert_refused(whoami(client, token))
    assert_refused(refresh(client, second["refresh_token"]))
    # Logging in again opens a fresh session.
    assert whoami(client, log_in(client, user)["access_token"]).status_code == 200
