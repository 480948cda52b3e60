"""Twelve logins with the old password race one password change on a real server: none of
the sessions they open outlives the change."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from shared.security.passwords import hash_password
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.fixtures import LiveServer

pytestmark = pytest.mark.server
EMAIL = "racer@example.com"
NEW_PASSWORD = "A-brand-new-passphrase-31"
LOGINS = 12


def test_no_session_from_a_racing_login_survives_the_password_change(
    live_server: LiveServer,
) -> None:
    engine = create_engine(live_server.env["DATABASE_URL"])
    with Session(engine) as session:
        # A production-like cost, so the logins' checks overlap the change as in production.
        hashed = hash_password(DEFAULT_PASSWORD, rounds=10)
        session.add(UserFactory.build(email=EMAIL, hashed_password=hashed))
        session.commit()
    engine.dispose()
    credentials = {"email": EMAIL, "password": DEFAULT_PASSWORD}
    with live_server.client() as client:
        first = client.post("/api/auth/login", json=credentials).json()
        me = client.get(
            "/api/users/me", headers={"Authorization": f"Bearer {first['access_token']}"}
        )
    user_id = me.json()["id"]
    barrier = threading.Barrier(LOGINS + 1)

    def log_in(_: int) -> httpx.Response:
        with live_server.client() as client:
            barrier.wait()
            return client.post("/api/auth/login", json=credentials)

    def change_password() -> httpx.Response:
        with live_server.client() as client:
            barrier.wait()
            return client.put(
                f"/api/users/{user_id}",
                json={"password": NEW_PASSWORD, "current_password": DEFAULT_PASSWORD},
                headers={"Authorization": f"Bearer {first['access_token']}"},
            )

    with ThreadPoolExecutor(LOGINS + 1) as pool:
        change = pool.submit(change_password)
        logins = list(pool.map(log_in, range(LOGINS)))
    assert change.result().status_code == 200
    assert {response.status_code for response in logins} <= {200, 401}
    with live_server.client() as client:
        surviving = [
            response
            for response in logins
            if response.status_code == 200
            and client.get(
                "/api/users/me",
                headers={"Authorization": f"Bearer {response.json()['access_token']}"},
            ).status_code
            == 200
        ]
    assert surviving == []
