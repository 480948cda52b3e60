"""GET /api/users/me/sessions."""

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from features.list_my_sessions import handler
from features.list_my_sessions.schemas import ListMySessionsRequest
from shared.accounts.principal import Account, Principal
from shared.db.models import AuthSession, User, utcnow
from tests.factories import UserFactory
from tests.fixtures import Tokens

URL = "/api/users/me/sessions"


def set_session(db_session: Session, session_id: str, **values: object) -> None:
    db_session.execute(update(AuthSession).where(AuthSession.id == session_id).values(**values))
    db_session.commit()


def test_lists_my_live_sessions_newest_first_with_current(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    older, newer = login_as(user), login_as(user)
    now = utcnow()
    set_session(
        db_session,
        older.session_id,
        created_at=now - timedelta(hours=2),
        ip="203.0.113.9",
        user_agent="Firefox",
        last_refreshed_at=now - timedelta(hours=1),
    )
    response = client.get(URL, headers=older.headers)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [newer.session_id, older.session_id]
    assert [item["current"] for item in items] == [False, True]
    assert set(items[1]) == {
        "id",
        "ip",
        "user_agent",
        "created_at",
        "last_refreshed_at",
        "expires_at",
        "current",
    }
    assert items[1]["ip"] == "203.0.113.9"
    assert items[1]["user_agent"] == "Firefox"
    assert items[1]["created_at"].endswith("Z")
    assert items[0]["last_refreshed_at"] is None


def test_ended_expired_and_other_users_sessions_are_not_listed(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    mine, revoked, expired = login_as(user), login_as(user), login_as(user)
    theirs = login_as(UserFactory.create())
    set_session(db_session, revoked.session_id, revoked_at=utcnow())
    set_session(db_session, expired.session_id, expires_at=utcnow() - timedelta(seconds=1))
    items = client.get(URL, headers=mine.headers).json()["items"]
    assert [item["id"] for item in items] == [mine.session_id]
    assert theirs.session_id not in client.get(URL, headers=mine.headers).text


def test_needs_a_token(client: TestClient) -> None:
    response = client.get(URL)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_handler_marks_the_callers_session(
    db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    first, second = login_as(user), login_as(user)
    listed = handler.handle(
        ListMySessionsRequest(),
        session=db_session,
        caller=Principal(Account.of(user), second.session_id),
    )
    assert {item.id: item.current for item in listed.items} == {
        first.session_id: False,
        second.session_id: True,
    }
