"""Cross-slice journeys as a client lives them: sign up, log in, refresh, change, log out, leave.

Each journey also reads the logs it produced: the security events are there, and no password,
token or hash is, anywhere."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db.models import User
from shared.observability.logs import JsonFormatter, TextFormatter
from tests.fixtures import TEST_SECRET, Tokens

PASSWORD = "Journey passphrase 31"
NEW_PASSWORD = "Another journey passphrase 32"


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        f"{JsonFormatter().format(r)}\n{TextFormatter().format(r)}\n{vars(r)!r}"
        for r in caplog.records
    )


def events(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.event for r in caplog.records if r.name == "authservice.security"]  # type: ignore[attr-defined]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_users_whole_life(
    client: TestClient, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = client.post("/api/users", json={"email": "Journey@Example.com", "password": PASSWORD})
    assert created.status_code == 201
    user_id = created.json()["id"]

    # The OAuth2 form, as the Authorize button in /docs sends it, finds the same account.
    form = client.post(
        "/api/auth/login",
        data={"username": "journey@example.COM", "password": PASSWORD, "grant_type": "password"},
    )
    assert form.status_code == 200
    first = form.json()
    me = client.get("/api/users/me", headers=bearer(first["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == user_id

    # A second device, then rotation on the first; both stay logged in.
    second = client.post(
        "/api/auth/login", json={"email": "journey@example.com", "password": PASSWORD}
    ).json()
    rotated = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    assert rotated.headers["cache-control"] == "no-store"
    rotated_pair = rotated.json()
    assert client.get("/api/users/me", headers=bearer(rotated_pair["access_token"])).is_success

    # Changing the password ends every session, this device's included.
    etag = client.get(f"/api/users/{user_id}", headers=bearer(rotated_pair["access_token"]))
    changed = client.put(
        f"/api/users/{user_id}",
        json={"password": NEW_PASSWORD, "current_password": PASSWORD},
        headers={**bearer(rotated_pair["access_token"]), "If-Match": etag.headers["etag"]},
    )
    assert changed.status_code == 200
    for token in (rotated_pair["access_token"], second["access_token"]):
        assert client.get("/api/users/me", headers=bearer(token)).status_code == 401
    assert (
        client.post(
            "/api/auth/refresh", json={"refresh_token": second["refresh_token"]}
        ).status_code
        == 401
    )
    old = client.post(
        "/api/auth/login", json={"email": "journey@example.com", "password": PASSWORD}
    )
    assert old.status_code == 401

    fresh = client.post(
        "/api/auth/login", json={"email": "journey@example.com", "password": NEW_PASSWORD}
    ).json()
    assert (
        client.post("/api/auth/logout", json={"refresh_token": fresh["refresh_token"]}).status_code
        == 204
    )
    assert client.get("/api/users/me", headers=bearer(fresh["access_token"])).status_code == 401

    last = client.post(
        "/api/auth/login", json={"email": "journey@example.com", "password": NEW_PASSWORD}
    ).json()
    assert (
        client.delete(f"/api/users/{user_id}", headers=bearer(last["access_token"])).status_code
        == 204
    )
    assert client.get("/api/users/me", headers=bearer(last["access_token"])).status_code == 401
    again = client.post("/api/users", json={"email": "journey@example.com", "password": PASSWORD})
    assert again.status_code == 201

    assert events(caplog) == [
        "user.created",
        "login.succeeded",
        "login.succeeded",
        "token.refreshed",
        "password.changed",
        "login.failed",
        "login.succeeded",
        "logout",
        "login.succeeded",
        "user.deleted",
        "user.created",
    ]
    text = logged_text(caplog)
    hashes = db_session.scalars(select(User.hashed_password)).all()
    secrets = [PASSWORD, NEW_PASSWORD, TEST_SECRET, *hashes]
    for pair in (first, second, rotated_pair, fresh, last):
        secrets += [pair["access_token"], pair["refresh_token"]]
    for secret in secrets:
        assert secret not in text


class TestStrictRefresh:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        # No grace: a second presentation of a token is reuse at once, however soon.
        return settings.model_copy(update={"refresh_reuse_grace": timedelta(0)})

    def test_reuse_of_a_spent_refresh_token_ends_only_that_session(
        self,
        client: TestClient,
        user: User,
        login_as: Callable[[User], Tokens],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.INFO, logger="authservice")
        stolen, other_device = login_as(user), login_as(user)
        successor = client.post("/api/auth/refresh", json={"refresh_token": stolen.refresh_token})
        assert successor.status_code == 200
        reused = client.post("/api/auth/refresh", json={"refresh_token": stolen.refresh_token})
        assert reused.status_code == 401
        assert reused.json()["code"] == "refresh_token_reused"
        new_pair = successor.json()
        assert (
            client.get("/api/users/me", headers=bearer(new_pair["access_token"])).status_code == 401
        )
        assert (
            client.post("/api/auth/refresh", json={"refresh_token": new_pair["refresh_token"]})
        ).status_code == 401
        assert client.get("/api/users/me", headers=other_device.headers).status_code == 200
        assert "token.reuse_detected" in events(caplog)
