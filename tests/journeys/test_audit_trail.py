"""The audit trail across slices: what each use case records, from where, and never a secret."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db.models import AuditEvent, AuthSession, User
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.fixtures import TEST_SECRET, app_for, make_settings

PROXY = ("10.0.0.5", 40000)
CLIENT_IP = "203.0.113.9"


@pytest.fixture
def proxied_client(
    database_dir: Path, database_url: str, connection: Connection, db_session: Session
) -> Iterator[TestClient]:
    """The whole app behind a trusted proxy that says who the client is."""
    settings: Settings = make_settings(
        database_dir,
        database_url=database_url,
        trusted_proxies="10.0.0.0/8",
        refresh_reuse_grace=0,
    )
    app: FastAPI = app_for(settings, connection)
    with TestClient(
        app,
        raise_server_exceptions=False,
        client=PROXY,
        headers={"X-Forwarded-For": CLIENT_IP, "User-Agent": "Journey/1.0"},
    ) as client:
        yield client


def trail(db_session: Session) -> list[AuditEvent]:
    db_session.expire_all()
    return list(db_session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_a_failed_login_is_recorded_although_it_fails(
    proxied_client: TestClient, db_session: Session
) -> None:
    user = UserFactory.create()
    wrong = proxied_client.post(
        "/api/auth/login",
        json={"email": user.email, "password": "not the password"},
        headers={"X-Request-ID": "req-1"},
    )
    unknown = proxied_client.post(
        "/api/auth/login", json={"email": "nobody@example.com", "password": "whatever1"}
    )
    assert (wrong.status_code, unknown.status_code) == (401, 401)
    first, second = trail(db_session)
    assert (first.type, first.outcome, first.reason, first.user_id) == (
        "login.failed",
        "failure",
        "invalid_credentials",
        user.id,
    )
    assert (first.ip, first.user_agent, first.request_id) == (CLIENT_IP, "Journey/1.0", "req-1")
    assert (second.type, second.user_id) == ("login.failed", None)


def test_a_disabled_account_logging_in_is_a_failure_with_its_reason(
    proxied_client: TestClient, db_session: Session
) -> None:
    user = UserFactory.create(is_active=False)
    credentials = {"email": user.email, "password": DEFAULT_PASSWORD}
    assert proxied_client.post("/api/auth/login", json=credentials).status_code == 403
    (event,) = trail(db_session)
    assert (event.type, event.reason, event.user_id) == (
        "login.failed",
        "account_disabled",
        user.id,
    )


def test_login_records_the_device_and_refresh_the_time(
    proxied_client: TestClient, db_session: Session
) -> None:
    user = UserFactory.create()
    long_agent = "A" * 1000
    pair = proxied_client.post(
        "/api/auth/login",
        json={"email": user.email, "password": DEFAULT_PASSWORD},
        headers={"User-Agent": long_agent},
    ).json()
    (stored,) = db_session.scalars(select(AuthSession).where(AuthSession.user_id == user.id))
    assert (stored.ip, stored.user_agent, stored.last_refreshed_at) == (CLIENT_IP, "A" * 256, None)
    refreshed = proxied_client.post(
        "/api/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refreshed.status_code == 200
    db_session.refresh(stored)
    assert stored.last_refreshed_at is not None
    listed = proxied_client.get(
        "/api/users/me/sessions",
        headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"},
    ).json()["items"]
    assert [(item["ip"], item["current"]) for item in listed] == [(CLIENT_IP, True)]
    assert [event.type for event in trail(db_session)] == ["login.succeeded", "token.refreshed"]
    assert {event.session_id for event in trail(db_session)} == {stored.id}


def test_a_refused_change_leaves_no_event(proxied_client: TestClient, db_session: Session) -> None:
    taken = UserFactory.create()
    user = UserFactory.create()
    token = proxied_client.post(
        "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
    ).json()["access_token"]
    before = len(trail(db_session))
    response = proxied_client.put(
        f"/api/users/{user.id}",
        json={"email": taken.email, "full_name": "New", "current_password": DEFAULT_PASSWORD},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 409
    assert len(trail(db_session)) == before


def test_admin_actions_name_the_actor_and_events_outlive_the_user(
    proxied_client: TestClient, db_session: Session
) -> None:
    admin = UserFactory.create(role="admin")
    user = UserFactory.create()
    user_id = user.id
    token = proxied_client.post(
        "/api/auth/login", json={"email": admin.email, "password": DEFAULT_PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        proxied_client.put(
            f"/api/users/{user.id}", json={"role": "admin"}, headers=headers
        ).status_code
        == 200
    )
    assert (
        proxied_client.put(
            f"/api/users/{user.id}", json={"is_active": False}, headers=headers
        ).status_code
        == 200
    )
    assert proxied_client.delete(f"/api/users/{user.id}", headers=headers).status_code == 204
    assert db_session.scalar(select(User.id).where(User.id == user_id)) is None
    about_user = [e for e in trail(db_session) if e.user_id == user_id]
    assert [(e.type, e.actor_user_id) for e in about_user] == [
        ("user.role_changed", admin.id),
        ("user.deactivated", admin.id),
        ("user.deleted", admin.id),
    ]
    listed = proxied_client.get(
        "/api/audit-events", params={"user_id": user_id}, headers=headers
    ).json()["items"]
    assert [item["type"] for item in listed] == [
        "user.deleted",
        "user.deactivated",
        "user.role_changed",
    ]


def test_no_event_holds_a_password_token_hash_or_secret(
    proxied_client: TestClient, db_session: Session
) -> None:
    password, new_password = "Journey-Passw0rd-1", "Journey-Passw0rd-2"
    created = proxied_client.post(
        "/api/users", json={"email": "trail@example.com", "password": password}
    ).json()
    login = {"email": "trail@example.com", "password": password}
    pair = proxied_client.post("/api/auth/login", json=login).json()
    proxied_client.post("/api/auth/login", json={**login, "password": "wrong-" + password})
    rotated = proxied_client.post(
        "/api/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    ).json()
    proxied_client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    again = proxied_client.post("/api/auth/login", json=login).json()
    headers = {"Authorization": f"Bearer {again['access_token']}"}
    proxied_client.put(
        f"/api/users/{created['id']}",
        json={"password": new_password, "current_password": password},
        headers=headers,
    )
    final = proxied_client.post("/api/auth/login", json={**login, "password": new_password}).json()
    proxied_client.post(
        "/api/auth/logout", json={"refresh_token": final["refresh_token"], "scope": "global"}
    )
    events = trail(db_session)
    assert {e.type for e in events} >= {
        "user.created",
        "login.succeeded",
        "login.failed",
        "token.refreshed",
        "token.reuse_detected",
        "password.changed",
        "logout",
    }
    hashes = db_session.scalars(select(User.hashed_password)).all()
    secrets = [password, new_password, TEST_SECRET, *hashes]
    for tokens in (pair, rotated, again, final):
        secrets += [tokens["access_token"], tokens["refresh_token"]]
    for event in events:
        stored = " ".join(str(getattr(event, column.key)) for column in AuditEvent.__table__.c)
        for secret in secrets:
            assert secret not in stored, (event.type, secret[:12])
