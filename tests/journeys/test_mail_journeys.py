"""Email journeys against a real SMTP server: sign up and verify, forget and reset, and
what must be refused on the way (a GET, a second use, an expired or wrong-kind token)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx2
from fastapi.testclient import TestClient

from tests.factories import DEFAULT_PASSWORD
from tests.mail_server import (
    MAIL_FROM,
    PUBLIC_URL,
    MailApp,
    MailCatcher,
    html_of,
    link_token,
    mail_settings,
    outbox_rows,
    running_mail_app,
    text_of,
)

NEW_PASSWORD = "Another-Quite-Long-Pass-42"


def sign_up(client: TestClient, email: str, **extra: str) -> httpx2.Response:
    response = client.post(
        "/api/users", json={"email": email, "password": DEFAULT_PASSWORD, **extra}
    )
    assert response.status_code == 201, response.text
    return response


def login(client: TestClient, email: str, password: str = DEFAULT_PASSWORD) -> httpx2.Response:
    return client.post("/api/auth/login", json={"email": email, "password": password})


def verification_token(smtp: MailCatcher, email: str) -> str:
    message = smtp.message_to(email, subject="Confirm your email address")
    return link_token(message, path="/verify-email")


def reset_token(smtp: MailCatcher, email: str) -> str:
    message = smtp.message_to(email, subject="Reset your password")
    return link_token(message, path="/reset-password")


def test_sign_up_mails_a_verification_link_that_verifies_the_address(mail_app: MailApp) -> None:
    client = mail_app.client
    created = sign_up(client, "ada@example.com", full_name="Ada <b>Lovelace</b>").json()
    assert created["email_verified"] is False

    message = mail_app.smtp.message_to("ada@example.com", subject="Confirm your email address")
    assert message["From"] == MAIL_FROM
    assert message["Message-ID"].endswith("@auth.example.com>")
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    # The name is text in both parts: as typed in the plain one, escaped in the HTML one.
    assert "Ada <b>Lovelace</b>" in text_of(message)
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in html_of(message)
    token = link_token(message, path="/verify-email")
    assert f"{PUBLIC_URL}/verify-email?token={token}" in html_of(message)

    verified = client.post("/api/auth/verify-email", json={"token": token})
    assert verified.status_code == 200
    assert verified.json()["email_verified"] is True
    assert verified.json()["id"] == created["id"]
    tokens = login(client, "ada@example.com").json()
    me = client.get("/api/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["email_verified"] is True

    again = client.post("/api/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_token"


def test_a_get_never_spends_a_token(mail_app: MailApp) -> None:
    client = mail_app.client
    sign_up(client, "scanner@example.com")
    token = verification_token(mail_app.smtp, "scanner@example.com")
    # What a mail scanner following the link (or its API twin) can do: nothing.
    assert client.get(f"/verify-email?token={token}").status_code == 404
    assert client.get(f"/api/auth/verify-email?token={token}").status_code == 405
    assert client.post("/api/auth/verify-email", json={"token": token}).status_code == 200


def test_forgotten_password_reset_ends_sessions_and_swaps_the_password(
    mail_app: MailApp,
) -> None:
    client, smtp = mail_app.client, mail_app.smtp
    sign_up(client, "grace@example.com")
    old = login(client, "grace@example.com").json()

    answer = client.post("/api/auth/password-reset", json={"email": "Grace@Example.com"})
    assert answer.status_code == 202
    token = reset_token(smtp, "grace@example.com")
    confirmed = client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert confirmed.status_code == 204

    bearer = {"Authorization": f"Bearer {old['access_token']}"}
    assert client.get("/api/users/me", headers=bearer).status_code == 401
    refresh = client.post("/api/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert refresh.status_code == 401
    assert login(client, "grace@example.com").status_code == 401
    fresh = login(client, "grace@example.com", NEW_PASSWORD)
    assert fresh.status_code == 200
    me = client.get(
        "/api/users/me", headers={"Authorization": f"Bearer {fresh.json()['access_token']}"}
    )
    assert me.json()["email_verified"] is True  # the link proved the address
    notice = smtp.message_to("grace@example.com", subject="Your password was changed")
    assert "token=" not in text_of(notice)

    second = client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": "Yet-Another-77-x"}
    )
    assert second.status_code == 400
    assert second.json()["code"] == "invalid_token"


def test_a_weak_password_does_not_spend_the_reset_token(mail_app: MailApp) -> None:
    client = mail_app.client
    sign_up(client, "weak@example.com")
    client.post("/api/auth/password-reset", json={"email": "weak@example.com"})
    token = reset_token(mail_app.smtp, "weak@example.com")
    weak = client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": "password"}
    )
    assert weak.status_code == 422
    strong = client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert strong.status_code == 204


def test_any_password_change_kills_a_reset_link(mail_app: MailApp) -> None:
    client = mail_app.client
    user = sign_up(client, "change@example.com").json()
    client.post("/api/auth/password-reset", json={"email": "change@example.com"})
    token = reset_token(mail_app.smtp, "change@example.com")
    tokens = login(client, "change@example.com").json()
    changed = client.put(
        f"/api/users/{user['id']}",
        json={"password": NEW_PASSWORD, "current_password": DEFAULT_PASSWORD},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert changed.status_code == 200
    mail_app.smtp.message_to("change@example.com", subject="Your password was changed")
    refused = client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": "Third-Pass-99-ok"}
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_token"


def test_a_newer_link_supersedes_the_older_one(mail_app: MailApp) -> None:
    client, smtp = mail_app.client, mail_app.smtp
    sign_up(client, "twice@example.com")
    client.post("/api/auth/password-reset", json={"email": "twice@example.com"})
    first = reset_token(smtp, "twice@example.com")
    client.post("/api/auth/password-reset", json={"email": "twice@example.com"})
    smtp.wait_for(3)  # verification, then the two reset messages
    second = reset_token(smtp, "twice@example.com")
    assert first != second
    body = {"token": first, "password": NEW_PASSWORD}
    assert client.post("/api/auth/password-reset/confirm", json=body).status_code == 400
    body = {"token": second, "password": NEW_PASSWORD}
    assert client.post("/api/auth/password-reset/confirm", json=body).status_code == 204


def test_a_token_of_one_kind_is_refused_as_the_other_and_as_a_bearer(mail_app: MailApp) -> None:
    client, smtp = mail_app.client, mail_app.smtp
    sign_up(client, "kinds@example.com")
    verify = verification_token(smtp, "kinds@example.com")
    client.post("/api/auth/password-reset", json={"email": "kinds@example.com"})
    reset = reset_token(smtp, "kinds@example.com")

    as_reset = client.post(
        "/api/auth/password-reset/confirm", json={"token": verify, "password": NEW_PASSWORD}
    )
    assert as_reset.status_code == 400
    assert client.post("/api/auth/verify-email", json={"token": reset}).status_code == 400
    for token in (verify, reset):
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/users/me", headers=bearer).status_code == 401
        assert client.post("/api/auth/refresh", json={"refresh_token": token}).status_code == 401
    # Both still work for what they are.
    assert client.post("/api/auth/verify-email", json={"token": verify}).status_code == 200
    body = {"token": reset, "password": NEW_PASSWORD}
    assert client.post("/api/auth/password-reset/confirm", json=body).status_code == 204


def test_an_expired_token_is_refused(
    tmp_path: Path, mail_database_url: str, smtp_server: MailCatcher
) -> None:
    settings = mail_settings(
        tmp_path,
        mail_database_url,
        smtp_server.port,
        email_verification_ttl=timedelta(seconds=1),
        password_reset_ttl=timedelta(seconds=1),
    )
    with running_mail_app(settings, smtp_server) as mail_app:
        client = mail_app.client
        sign_up(client, "late@example.com")
        client.post("/api/auth/password-reset", json={"email": "late@example.com"})
        verify = verification_token(smtp_server, "late@example.com")
        reset = reset_token(smtp_server, "late@example.com")
        time.sleep(1.2)
        assert client.post("/api/auth/verify-email", json={"token": verify}).status_code == 400
        body = {"token": reset, "password": NEW_PASSWORD}
        assert client.post("/api/auth/password-reset/confirm", json=body).status_code == 400


def test_two_racing_confirmations_have_exactly_one_winner(mail_app: MailApp) -> None:
    client = mail_app.client
    sign_up(client, "race@example.com")
    client.post("/api/auth/password-reset", json={"email": "race@example.com"})
    token = reset_token(mail_app.smtp, "race@example.com")
    statuses: list[int] = []
    start = threading.Barrier(4)

    def confirm(index: int) -> None:
        start.wait(timeout=30)
        response = client.post(
            "/api/auth/password-reset/confirm",
            json={"token": token, "password": f"Racing-Password-{index}-xyz"},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=confirm, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [204, 400, 400, 400]


def test_an_email_change_verifies_the_new_address_and_tells_the_old_one(
    mail_app: MailApp,
) -> None:
    client, smtp = mail_app.client, mail_app.smtp
    user = sign_up(client, "old@example.com").json()
    client.post(
        "/api/auth/verify-email", json={"token": verification_token(smtp, "old@example.com")}
    )
    tokens = login(client, "old@example.com").json()
    changed = client.put(
        f"/api/users/{user['id']}",
        json={"email": "new@example.com", "current_password": DEFAULT_PASSWORD},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert changed.status_code == 200
    assert changed.json()["email_verified"] is False
    notice = smtp.message_to("old@example.com", subject="Your email address was changed")
    assert "new@example.com" not in text_of(notice)  # a thief's address is not advertised
    assert "token=" not in text_of(notice)
    token = verification_token(smtp, "new@example.com")
    verified = client.post("/api/auth/verify-email", json={"token": token})
    assert verified.json()["email"] == "new@example.com"
    assert verified.json()["email_verified"] is True


def test_require_verified_email_refuses_an_unverified_login_until_verified(
    tmp_path: Path, mail_database_url: str, smtp_server: MailCatcher
) -> None:
    settings = mail_settings(
        tmp_path, mail_database_url, smtp_server.port, require_verified_email=True
    )
    with running_mail_app(settings, smtp_server) as mail_app:
        client = mail_app.client
        sign_up(client, "strict@example.com")
        refused = login(client, "strict@example.com")
        assert refused.status_code == 403
        assert refused.json()["code"] == "email_not_verified"
        assert "access_token" not in refused.text
        assert login(client, "strict@example.com", "Wrong-Password-123").status_code == 401

        resent = client.post("/api/users/me/verification")
        assert resent.status_code == 401  # no session was made to resend with
        token = verification_token(smtp_server, "strict@example.com")
        client.post("/api/auth/verify-email", json={"token": token})
        assert login(client, "strict@example.com").status_code == 200
        rows = outbox_rows(mail_app.engine)
        assert all(row.sent_at is not None and row.text_body is None for row in rows)


def test_resend_supersedes_the_first_link_and_refuses_once_verified(mail_app: MailApp) -> None:
    client, smtp = mail_app.client, mail_app.smtp
    sign_up(client, "resend@example.com")
    first = verification_token(smtp, "resend@example.com")
    bearer = {
        "Authorization": f"Bearer {login(client, 'resend@example.com').json()['access_token']}"
    }
    assert client.post("/api/users/me/verification", headers=bearer).status_code == 202
    smtp.wait_for(2)
    second = verification_token(smtp, "resend@example.com")
    assert client.post("/api/auth/verify-email", json={"token": first}).status_code == 400
    assert client.post("/api/auth/verify-email", json={"token": second}).status_code == 200
    again = client.post("/api/users/me/verification", headers=bearer)
    assert again.status_code == 409
    assert again.json()["code"] == "already_verified"
