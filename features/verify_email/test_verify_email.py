"""POST /api/auth/verify-email."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shared.db.models import User
from shared.security import one_time_tokens

URL = "/api/auth/verify-email"


def verify_token(db_session: Session, user: User, *, ttl: timedelta = timedelta(hours=1)) -> str:
    token = one_time_tokens.issue(
        db_session,
        purpose="verify_email",
        user_id=user.id,
        binding=one_time_tokens.binding_for(
            "verify_email", email_key=user.email_key, hashed_password=user.hashed_password
        ),
        ttl=ttl,
    )
    db_session.commit()
    return token


def test_a_live_token_verifies_the_address_once(
    client: TestClient, user: User, db_session: Session
) -> None:
    token = verify_token(db_session, user)
    response = client.post(URL, json={"token": token})
    assert response.status_code == 200
    assert response.json()["id"] == user.id
    assert response.json()["email_verified"] is True
    again = client.post(URL, json={"token": token})
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_token"


def test_an_expired_or_unknown_token_is_400(
    client: TestClient, user: User, db_session: Session
) -> None:
    expired = verify_token(db_session, user, ttl=timedelta(seconds=-1))
    for token in (expired, "A" * 43, "nonsense"):
        response = client.post(URL, json={"token": token})
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_token"


def test_a_token_for_a_previous_address_is_dead(
    client: TestClient, user: User, db_session: Session
) -> None:
    token = verify_token(db_session, user)
    user.email = "moved@example.com"
    user.email_key = "moved@example.com"
    db_session.commit()
    assert client.post(URL, json={"token": token}).status_code == 400
