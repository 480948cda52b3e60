"""POST /api/auth/password-reset."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from features.request_password_reset.schemas import ACCEPTED
from shared.config import Settings
from shared.db.models import MailMessage, OneTimeToken, User
from tests.factories import UserFactory
from tests.fixtures import app_for

URL = "/api/auth/password-reset"


def queued(db_session: Session) -> list[MailMessage]:
    return list(db_session.scalars(select(MailMessage).order_by(MailMessage.id)))


def test_known_and_unknown_emails_get_the_same_202(
    client: TestClient, user: User, db_session: Session
) -> None:
    known = client.post(URL, json={"email": user.email.upper()})
    unknown = client.post(URL, json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json() == {"detail": ACCEPTED}
    (message,) = queued(db_session)
    assert message.recipient == user.email
    assert message.kind == "reset_password"
    assert "/reset-password?token=" in (message.text_body or "")
    (token,) = db_session.scalars(select(OneTimeToken)).all()
    assert token.purpose == "reset_password"
    # Only the hash is kept: the token in the link is nowhere in the token table.
    link_token = (message.text_body or "").split("token=")[1].split()[0]
    assert link_token.encode() not in token.token_hash


def test_an_inactive_account_gets_no_message(client: TestClient, db_session: Session) -> None:
    disabled = UserFactory.create(is_active=False)
    assert client.post(URL, json={"email": disabled.email}).status_code == 202
    assert queued(db_session) == []


def test_malformed_email_is_422(client: TestClient) -> None:
    assert client.post(URL, json={"email": "not-an-email"}).status_code == 422


def test_requests_per_email_are_limited_whatever_the_ip(
    settings: Settings, connection: object, db_session: Session
) -> None:
    limited = settings.model_copy(
        update={
            "rate_limit_enabled": True,
            "rate_limit_password_reset_email": "2/hour",
            "rate_limit_password_reset": "100/hour",
        }
    )
    app = app_for(limited, connection, slices=["request_password_reset"])  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        statuses = [
            client.post(
                URL,
                json={"email": "target@example.com"},
                headers={"X-Forwarded-For": f"203.0.113.{index}"},
            ).status_code
            for index in range(3)
        ]
    assert statuses == [202, 202, 429]
