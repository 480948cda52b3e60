"""POST /api/auth/password-reset/confirm."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from features.confirm_password_reset import handler
from features.confirm_password_reset.schemas import ConfirmPasswordResetRequest
from shared.config import Settings
from shared.db.models import AuthSession, MailMessage, User
from shared.errors import InvalidOneTimeTokenError
from shared.security import one_time_tokens
from shared.security.passwords import verify_password
from tests.fixtures import Tokens

URL = "/api/auth/password-reset/confirm"
NEW = "A-Brand-New-Password-7"


def reset_token(db_session: Session, user: User, *, ttl: timedelta = timedelta(hours=1)) -> str:
    token = one_time_tokens.issue(
        db_session,
        purpose="reset_password",
        user_id=user.id,
        binding=one_time_tokens.binding_for(
            "reset_password", email_key=user.email_key, hashed_password=user.hashed_password
        ),
        ttl=ttl,
    )
    db_session.commit()
    return token


def test_confirm_sets_the_password_verifies_and_ends_sessions(
    client: TestClient, user: User, db_session: Session, login_as: object
) -> None:
    tokens: Tokens = login_as(user)  # type: ignore[operator]
    response = client.post(URL, json={"token": reset_token(db_session, user), "password": NEW})
    assert response.status_code == 204
    db_session.expire_all()
    assert verify_password(NEW, user.hashed_password)
    assert user.email_verified is True
    live = db_session.scalars(select(AuthSession).where(AuthSession.revoked_at.is_(None))).all()
    assert live == []
    assert client.get("/__test__/whoami", headers=tokens.headers).status_code == 401
    (notice,) = db_session.scalars(select(MailMessage)).all()
    assert notice.kind == "password_changed"


@pytest.mark.parametrize("token", ["", "x" * 43, "short", "A" * 201, "../../etc\u0000"])
def test_unknown_or_malformed_tokens_get_400_invalid_token(client: TestClient, token: str) -> None:
    response = client.post(URL, json={"token": token or "?", "password": NEW})
    assert response.status_code in {400, 422}
    if response.status_code == 400:
        assert response.json()["code"] == "invalid_token"


def test_a_weak_password_is_422_and_leaves_the_token_unspent(
    client: TestClient, user: User, db_session: Session
) -> None:
    token = reset_token(db_session, user)
    weak = client.post(URL, json={"token": token, "password": user.email})
    assert weak.status_code == 422
    assert client.post(URL, json={"token": token, "password": NEW}).status_code == 204


def test_an_expired_token_is_refused(db_session: Session, user: User, settings: Settings) -> None:
    token = reset_token(db_session, user, ttl=timedelta(seconds=-1))
    with pytest.raises(InvalidOneTimeTokenError):
        handler.handle(
            ConfirmPasswordResetRequest(token=token, password=NEW),
            read_session=db_session,
            write_session=db_session,
            settings=settings,
        )


def test_a_disabled_account_cannot_reset(
    client: TestClient, user: User, db_session: Session
) -> None:
    token = reset_token(db_session, user)
    user.is_active = False
    db_session.commit()
    assert client.post(URL, json={"token": token, "password": NEW}).status_code == 400
