"""POST /api/auth/logout."""

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from features.logout import handler
from features.logout.schemas import LogoutRequest
from shared.db.models import AuditEvent, AuthSession, User, utcnow
from shared.security.access_tokens import TokenSettings
from shared.security.refresh_tokens import refresh_token_for
from tests.factories import UserFactory
from tests.fixtures import WHOAMI_PATH, Tokens

URL = "/api/auth/logout"


def revoked(db_session: Session, session_id: str) -> bool:
    revoked_at = db_session.scalar(
        select(AuthSession.revoked_at).where(AuthSession.id == session_id)
    )
    return revoked_at is not None


def test_logout_ends_the_session(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens, other = login_as(user), login_as(user)
    response = client.post(URL, json={"refresh_token": tokens.refresh_token})
    assert response.status_code == 204
    assert response.content == b""
    assert revoked(db_session, tokens.session_id)
    assert not revoked(db_session, other.session_id)
    assert client.get(WHOAMI_PATH, headers=tokens.headers).status_code == 401
    assert client.get(WHOAMI_PATH, headers=other.headers).status_code == 200


def test_logout_needs_no_bearer_and_ignores_a_bad_one(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    response = client.post(
        URL,
        json={"refresh_token": tokens.refresh_token},
        headers={"Authorization": "Bearer garbage"},
    )
    assert response.status_code == 204
    assert revoked(db_session, tokens.session_id)


def test_logging_out_twice_is_204(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    tokens = login_as(user)
    for _ in range(2):
        assert client.post(URL, json={"refresh_token": tokens.refresh_token}).status_code == 204


def test_spent_token_of_a_live_session_ends_it(
    client: TestClient,
    db_session: Session,
    user: User,
    login_as: Callable[[User], Tokens],
) -> None:
    tokens = login_as(user)
    # Spent as a rotation spends it: the session has moved on to the next generation.
    db_session.execute(
        update(AuthSession)
        .where(AuthSession.id == tokens.session_id)
        .values(generation=1, rotated_at=utcnow())
    )
    db_session.commit()
    assert client.post(URL, json={"refresh_token": tokens.refresh_token}).status_code == 204
    assert revoked(db_session, tokens.session_id)
    assert client.get(WHOAMI_PATH, headers=tokens.headers).status_code == 401


@pytest.mark.parametrize(
    "token", ["", "garbage", "rt1.nosuchsession.0.AAAA", "rt1.a.b.c", "x" * 5000]
)
def test_unknown_or_malformed_token_is_204_and_changes_nothing(
    client: TestClient,
    db_session: Session,
    user: User,
    login_as: Callable[[User], Tokens],
    token: str,
) -> None:
    tokens = login_as(user)
    assert client.post(URL, json={"refresh_token": token}).status_code == 204
    assert not revoked(db_session, tokens.session_id)


def test_forged_token_of_a_real_session_is_204_and_ends_nothing(
    app: FastAPI,
    client: TestClient,
    db_session: Session,
    user: User,
    login_as: Callable[[User], Tokens],
) -> None:
    tokens = login_as(user)
    token_settings: TokenSettings = app.state.token_settings
    forged = refresh_token_for(
        session_id=tokens.session_id,
        generation=0,
        refresh_key=b"\x00" * 32,
        secret=token_settings.secret,
    )
    future = tokens.refresh_token.replace(".0.", ".1.", 1)
    for token in (forged, future, tokens.access_token):
        assert client.post(URL, json={"refresh_token": token}).status_code == 204
    assert not revoked(db_session, tokens.session_id)


@pytest.mark.parametrize(
    "body", [{}, {"refresh_token": 5}, {"refresh_token": None}, {"refresh_token": "x", "a": 1}]
)
def test_wrongly_typed_body_is_422(
    client: TestClient,
    db_session: Session,
    user: User,
    login_as: Callable[[User], Tokens],
    body: dict[str, object],
) -> None:
    tokens = login_as(user)
    response = client.post(URL, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert not revoked(db_session, tokens.session_id)


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post(URL, content=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_handler_revokes_only_genuine_tokens(
    app: FastAPI, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    token_settings: TokenSettings = app.state.token_settings
    tokens = login_as(user)
    handler.handle(
        LogoutRequest(refresh_token=tokens.access_token),
        session=db_session,
        token_settings=token_settings,
    )
    assert not revoked(db_session, tokens.session_id)
    handler.handle(
        LogoutRequest(refresh_token=tokens.refresh_token),
        session=db_session,
        token_settings=token_settings,
    )
    assert revoked(db_session, tokens.session_id)


# --- scope -------------------------------------------------------------------------------------


def test_scope_others_ends_every_other_session_and_keeps_this_one(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    here, phone, laptop = login_as(user), login_as(user), login_as(user)
    bystander = login_as(UserFactory.create())
    body = {"refresh_token": here.refresh_token, "scope": "others"}
    assert client.post(URL, json=body).status_code == 204
    assert client.get(WHOAMI_PATH, headers=here.headers).status_code == 200
    for ended in (phone, laptop):
        assert client.get(WHOAMI_PATH, headers=ended.headers).status_code == 401
    assert client.get(WHOAMI_PATH, headers=bystander.headers).status_code == 200
    (event,) = db_session.scalars(select(AuditEvent))
    assert (event.type, event.reason, event.session_id) == ("logout", "others", here.session_id)


def test_scope_global_ends_all_of_the_users_sessions(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    here, phone = login_as(user), login_as(user)
    bystander = login_as(UserFactory.create())
    body = {"refresh_token": here.refresh_token, "scope": "global"}
    assert client.post(URL, json=body).status_code == 204
    for ended in (here, phone):
        assert client.get(WHOAMI_PATH, headers=ended.headers).status_code == 401
    assert client.get(WHOAMI_PATH, headers=bystander.headers).status_code == 200


def test_scope_local_is_the_default(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    here, phone = login_as(user), login_as(user)
    assert (
        client.post(URL, json={"refresh_token": here.refresh_token, "scope": "local"}).status_code
        == 204
    )
    assert revoked(db_session, here.session_id)
    assert not revoked(db_session, phone.session_id)


@pytest.mark.parametrize("scope", ["others", "global"])
def test_a_spent_token_ends_only_its_own_session_whatever_scope(
    client: TestClient,
    db_session: Session,
    user: User,
    login_as: Callable[[User], Tokens],
    scope: str,
) -> None:
    stolen, other = login_as(user), login_as(user)
    db_session.execute(
        update(AuthSession)
        .where(AuthSession.id == stolen.session_id)
        .values(generation=1, rotated_at=utcnow())
    )
    db_session.commit()
    body = {"refresh_token": stolen.refresh_token, "scope": scope}
    assert client.post(URL, json=body).status_code == 204
    assert revoked(db_session, stolen.session_id)
    assert not revoked(db_session, other.session_id)


@pytest.mark.parametrize("scope", ["everywhere", "", None, 1, "GLOBAL"])
def test_unknown_scope_is_422_and_ends_nothing(
    client: TestClient,
    db_session: Session,
    user: User,
    login_as: Callable[[User], Tokens],
    scope: object,
) -> None:
    tokens = login_as(user)
    response = client.post(URL, json={"refresh_token": tokens.refresh_token, "scope": scope})
    assert response.status_code == 422
    assert not revoked(db_session, tokens.session_id)


def test_forged_token_with_global_scope_ends_nothing(
    app: FastAPI,
    client: TestClient,
    db_session: Session,
    user: User,
    login_as: Callable[[User], Tokens],
) -> None:
    tokens = login_as(user)
    token_settings: TokenSettings = app.state.token_settings
    forged = refresh_token_for(
        session_id=tokens.session_id,
        generation=0,
        refresh_key=b"\x00" * 32,
        secret=token_settings.secret,
    )
    assert client.post(URL, json={"refresh_token": forged, "scope": "global"}).status_code == 204
    assert not revoked(db_session, tokens.session_id)
