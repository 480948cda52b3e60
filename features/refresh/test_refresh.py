"""POST /api/auth/refresh."""

from collections.abc import Callable
from datetime import timedelta

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from features.refresh import handler
from features.refresh.schemas import RefreshRequest
from shared.config import Settings
from shared.db.models import AuthSession, User, utcnow
from shared.errors import InvalidTokenError, RefreshTokenReusedError
from shared.security.access_tokens import TokenSettings, decode_access_token
from shared.security.refresh_tokens import parse_refresh_token
from tests.fixtures import Tokens

URL = "/api/auth/refresh"


def refresh(client: TestClient, token: object) -> httpx2.Response:
    return client.post(URL, json={"refresh_token": token})


def stored(db_session: Session, session_id: str) -> AuthSession:
    auth_session = db_session.get(AuthSession, session_id, populate_existing=True)
    assert auth_session is not None
    return auth_session


def rotated_ago(db_session: Session, session_id: str, ago: timedelta) -> None:
    db_session.execute(
        update(AuthSession).where(AuthSession.id == session_id).values(rotated_at=utcnow() - ago)
    )
    db_session.commit()


def assert_refused(response: httpx2.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


def test_refresh_rotates_to_a_new_pair(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    response = refresh(client, tokens.refresh_token)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["refresh_token"] != tokens.refresh_token
    assert body["access_token"] != tokens.access_token
    token_settings: TokenSettings = client.app.state.token_settings  # type: ignore[attr-defined]
    claims = decode_access_token(body["access_token"], settings=token_settings)
    assert (claims.user_id, claims.session_id) == (user.id, tokens.session_id)
    successor = parse_refresh_token(body["refresh_token"])
    assert successor is not None
    assert (successor.session_id, successor.generation) == (tokens.session_id, 1)
    auth_session = stored(db_session, tokens.session_id)
    assert auth_session.generation == 1
    assert auth_session.revoked_at is None
    # The successor is good for the next rotation.
    assert refresh(client, body["refresh_token"]).status_code == 200


def test_rotation_does_not_extend_the_session(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    expires_at = stored(db_session, tokens.session_id).expires_at
    body = refresh(client, tokens.refresh_token).json()
    assert stored(db_session, tokens.session_id).expires_at == expires_at
    assert body["refresh_expires_in"] <= (expires_at - utcnow()).total_seconds() + 1


def test_spent_token_within_grace_gets_the_same_successor(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    first = refresh(client, tokens.refresh_token).json()
    retry = refresh(client, tokens.refresh_token)
    assert retry.status_code == 200
    assert retry.json()["refresh_token"] == first["refresh_token"]
    assert retry.json()["access_token"] != first["access_token"]
    auth_session = stored(db_session, tokens.session_id)
    assert (auth_session.generation, auth_session.revoked_at) == (1, None)
    # One branch only: the successor still rotates, and only once.
    assert refresh(client, first["refresh_token"]).status_code == 200


def test_spent_token_after_grace_ends_the_session_only(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens, other = login_as(user), login_as(user)
    successor = refresh(client, tokens.refresh_token).json()["refresh_token"]
    rotated_ago(db_session, tokens.session_id, timedelta(seconds=11))
    reused = refresh(client, tokens.refresh_token)
    assert_refused(reused)
    assert reused.json()["code"] == "refresh_token_reused"
    assert stored(db_session, tokens.session_id).revoked_at is not None
    assert_refused(refresh(client, successor))
    assert stored(db_session, other.session_id).revoked_at is None
    assert refresh(client, other.refresh_token).status_code == 200


def test_token_two_generations_old_is_reuse_even_within_grace(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    second = refresh(client, tokens.refresh_token).json()["refresh_token"]
    third = refresh(client, second).json()["refresh_token"]
    assert_refused(refresh(client, tokens.refresh_token))
    assert stored(db_session, tokens.session_id).revoked_at is not None
    assert_refused(refresh(client, third))


class TestStrictGrace:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"refresh_reuse_grace": timedelta(0)})

    def test_second_use_is_reuse_at_once(
        self,
        client: TestClient,
        db_session: Session,
        user: User,
        login_as: Callable[[User], Tokens],
    ) -> None:
        tokens = login_as(user)
        successor = refresh(client, tokens.refresh_token).json()["refresh_token"]
        assert_refused(refresh(client, tokens.refresh_token))
        assert stored(db_session, tokens.session_id).revoked_at is not None
        assert_refused(refresh(client, successor))


def test_access_token_is_not_a_refresh_token(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    assert_refused(refresh(client, tokens.access_token))
    assert stored(db_session, tokens.session_id).revoked_at is None


def test_forged_token_of_a_real_session_revokes_nothing(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    prefix, session_id, _generation, mac = tokens.refresh_token.split(".")
    forged_mac = ("A" if mac[0] != "A" else "B") + mac[1:]
    for forged in (
        f"{prefix}.{session_id}.0.{forged_mac}",
        f"{prefix}.{session_id}.1.{mac}",
        f"{prefix}.{session_id}.5.{mac}",
    ):
        assert_refused(refresh(client, forged))
    auth_session = stored(db_session, tokens.session_id)
    assert (auth_session.generation, auth_session.revoked_at) == (0, None)
    assert refresh(client, tokens.refresh_token).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "rt1.a.b.c",
        "rt1.nosuchsession.0.AAAA",
        "rt1.x.9999999999.AAAA",
        "rt1..0.AAAA",
        "rt2.x.0.AAAA",
        "rt1.x.-1.AAAA",
        "rt1." + "x" * 44 + ".0.AAAA",
        "x" * 10_000,
    ],
)
def test_malformed_or_unknown_token_is_401(client: TestClient, token: str) -> None:
    assert_refused(refresh(client, token))


def test_expired_session_is_401(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    db_session.execute(
        update(AuthSession)
        .where(AuthSession.id == tokens.session_id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db_session.commit()
    assert_refused(refresh(client, tokens.refresh_token))
    assert stored(db_session, tokens.session_id).generation == 0


def test_revoked_session_is_401(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    db_session.execute(
        update(AuthSession).where(AuthSession.id == tokens.session_id).values(revoked_at=utcnow())
    )
    db_session.commit()
    assert_refused(refresh(client, tokens.refresh_token))


@pytest.mark.parametrize(
    "body", [{}, {"refresh_token": 5}, {"refresh_token": None}, {"refresh_token": "x", "a": 1}]
)
def test_invalid_body_is_422(client: TestClient, body: dict[str, object]) -> None:
    response = client.post(URL, json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post(URL, content=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


# --- the handler alone ------------------------------------------------------------------------


def test_handler_rotates_then_detects_reuse(
    app: object, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    token_settings: TokenSettings = app.state.token_settings  # type: ignore[attr-defined]
    strict = Settings.model_construct(refresh_reuse_grace=timedelta(0))
    tokens = login_as(user)
    request = RefreshRequest(refresh_token=tokens.refresh_token)
    rotated = handler.handle(
        request, session=db_session, settings=strict, token_settings=token_settings
    )
    assert rotated.refresh_token != tokens.refresh_token
    with pytest.raises(RefreshTokenReusedError):
        handler.handle(request, session=db_session, settings=strict, token_settings=token_settings)
    with pytest.raises(InvalidTokenError):
        handler.handle(
            RefreshRequest(refresh_token=rotated.refresh_token),
            session=db_session,
            settings=strict,
            token_settings=token_settings,
        )


class TestRateLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={"rate_limit_enabled": True, "rate_limit_refresh": "2/minute"}
        )

    def test_refresh_is_limited_per_client_ip(
        self,
        client: TestClient,
        db_session: Session,
        user: User,
        login_as: Callable[[User], Tokens],
    ) -> None:
        tokens = login_as(user)
        token = tokens.refresh_token
        for _ in range(2):
            response = client.post(URL, json={"refresh_token": token})
            assert response.status_code == 200
            token = response.json()["refresh_token"]
        refused = client.post(URL, json={"refresh_token": token})
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        # Refused before it was looked at: not spent, and the session lives on.
        state = db_session.get(AuthSession, tokens.session_id, populate_existing=True)
        assert state is not None
        assert (state.generation, state.revoked_at) == (2, None)
