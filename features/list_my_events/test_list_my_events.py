"""GET /api/users/me/events."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from features.list_my_events import handler
from features.list_my_events.schemas import ListMyEventsQuery
from shared.accounts.principal import Account, Principal
from shared.audit.emitter import record_event
from shared.audit.events import EventType
from shared.db.models import User
from tests.factories import UserFactory
from tests.fixtures import Tokens

URL = "/api/users/me/events"


def test_i_read_only_the_events_about_me_newest_first(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    other = UserFactory.create()
    first = record_event(db_session, EventType.LOGIN_SUCCEEDED, user_id=user.id)
    record_event(db_session, EventType.LOGIN_SUCCEEDED, user_id=other.id)
    second = record_event(db_session, EventType.LOGOUT, user_id=user.id)
    db_session.commit()
    response = client.get(URL, headers=login_as(user).headers)
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [second.id, first.id]
    assert {item["user_id"] for item in body["items"]} == {user.id}
    assert body["next_cursor"] is None


def test_a_cursor_from_another_list_reveals_nothing_of_others(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    other = UserFactory.create()
    for _ in range(3):
        record_event(db_session, EventType.LOGIN_FAILED, user_id=other.id)
        record_event(db_session, EventType.LOGIN_SUCCEEDED, user_id=user.id)
    db_session.commit()
    headers = login_as(user).headers
    cursor = client.get(URL, params={"limit": 1}, headers=headers).json()["next_cursor"]
    body = client.get(URL, params={"cursor": cursor, "limit": 200}, headers=headers).json()
    assert len(body["items"]) == 2
    assert {item["user_id"] for item in body["items"]} == {user.id}


@pytest.mark.parametrize(
    "params", [{"cursor": "x"}, {"limit": 0}, {"limit": 201}, {"user_id": 1}, {"limit": "many"}]
)
def test_malformed_query_is_422(
    client: TestClient, user: User, login_as: Callable[[User], Tokens], params: dict[str, str | int]
) -> None:
    response = client.get(URL, params=params, headers=login_as(user).headers)
    assert response.status_code == 422


def test_needs_a_token(client: TestClient) -> None:
    assert client.get(URL).status_code == 401


def test_handler_pages_through_my_events(db_session: Session, user: User) -> None:
    made = [record_event(db_session, EventType.LOGOUT, user_id=user.id) for _ in range(3)]
    db_session.commit()
    caller = Principal(Account.of(user), "sid")
    first = handler.handle(ListMyEventsQuery(limit=2), session=db_session, caller=caller)
    assert first.next_cursor is not None
    rest = handler.handle(
        ListMyEventsQuery(limit=2, cursor=first.next_cursor), session=db_session, caller=caller
    )
    assert [item.id for item in first.items + rest.items] == [e.id for e in reversed(made)]
    assert rest.next_cursor is None
