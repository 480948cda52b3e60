"""POST /api/users/me/verification."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db.models import MailMessage, OneTimeToken, User
from tests.factories import UserFactory

URL = "/api/users/me/verification"


def test_an_unverified_user_gets_a_fresh_link(
    client: TestClient, user: User, db_session: Session, login_as: object
) -> None:
    tokens = login_as(user)  # type: ignore[operator]
    for _ in range(2):
        assert client.post(URL, headers=tokens.headers).status_code == 202
    messages = db_session.scalars(select(MailMessage)).all()
    assert [message.kind for message in messages] == ["verify_email", "verify_email"]
    assert all(message.recipient == user.email for message in messages)
    # The second link superseded the first: one live token.
    assert len(db_session.scalars(select(OneTimeToken)).all()) == 1


def test_a_verified_user_gets_409(
    client: TestClient, db_session: Session, login_as: object
) -> None:
    verified = UserFactory.create(email_verified=True)
    response = client.post(URL, headers=login_as(verified).headers)  # type: ignore[operator]
    assert response.status_code == 409
    assert response.json()["code"] == "already_verified"


def test_without_a_token_it_is_401(client: TestClient) -> None:
    assert client.post(URL).status_code == 401
