"""GET /api/audit-events."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from features.list_audit_events import handler
from features.list_audit_events.schemas import ListAuditEventsQuery
from shared.audit.events import EventType, Outcome
from shared.db.models import AuditEvent, User, utcnow
from tests.fixtures import Tokens

URL = "/api/audit-events"
EVENT_FIELDS = {
    "id",
    "occurred_at",
    "type",
    "outcome",
    "reason",
    "user_id",
    "actor_user_id",
    "session_id",
    "ip",
    "user_agent",
    "request_id",
}


def add_event(
    db_session: Session,
    *,
    type: EventType = EventType.LOGIN_SUCCEEDED,
    outcome: Outcome = Outcome.SUCCESS,
    user_id: int | None = 1,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    event = AuditEvent(
        occurred_at=occurred_at or utcnow(),
        type=type.value,
        outcome=outcome.value,
        user_id=user_id,
        ip="203.0.113.9",
    )
    db_session.add(event)
    db_session.commit()
    return event


@pytest.fixture
def admin_headers(admin: User, login_as: Callable[[User], Tokens]) -> dict[str, str]:
    return login_as(admin).headers


def ids(response_json: dict[str, list[dict[str, int]]]) -> list[int]:
    return [item["id"] for item in response_json["items"]]


def test_events_newest_first_in_the_contracts_shape(
    client: TestClient, db_session: Session, admin_headers: dict[str, str]
) -> None:
    old = add_event(db_session, occurred_at=utcnow() - timedelta(minutes=5))
    new = add_event(db_session, type=EventType.LOGIN_FAILED, outcome=Outcome.FAILURE)
    response = client.get(URL, headers=admin_headers)
    assert response.status_code == 200
    body = response.json()
    assert ids(body) == [new.id, old.id]
    assert body["next_cursor"] is None
    assert set(body["items"][0]) == EVENT_FIELDS
    assert body["items"][0]["type"] == "login.failed"
    assert body["items"][0]["occurred_at"].endswith("Z")


def test_pages_follow_the_cursor_without_repeats_or_gaps(
    client: TestClient, db_session: Session, admin_headers: dict[str, str]
) -> None:
    same_instant = utcnow()
    # Ties on occurred_at are broken by id, so no event falls between two pages.
    made = [add_event(db_session, occurred_at=same_instant).id for _ in range(5)]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = client.get(URL, params=params, headers=admin_headers).json()
        seen += ids(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(made, reverse=True)


def test_filters_by_user_type_outcome_and_time(
    client: TestClient, db_session: Session, admin_headers: dict[str, str]
) -> None:
    now = utcnow()
    a = add_event(db_session, user_id=101, occurred_at=now - timedelta(hours=3))
    b = add_event(db_session, user_id=101, type=EventType.LOGOUT, occurred_at=now)
    c = add_event(db_session, user_id=102, type=EventType.LOGIN_FAILED, outcome=Outcome.FAILURE)

    def listed(**params: str | int) -> list[int]:
        response = client.get(URL, params=params, headers=admin_headers)
        assert response.status_code == 200, response.text
        return [event_id for event_id in ids(response.json()) if event_id in {a.id, b.id, c.id}]

    assert listed(user_id=101) == [b.id, a.id]
    assert listed(type="logout") == [b.id]
    assert listed(outcome="failure") == [c.id]
    since = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert listed(user_id=101, since=since) == [b.id]
    assert listed(user_id=101, until=since) == [a.id]


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "garbage"},
        {"cursor": "e1.MTIzNA"},
        {"cursor": "e1." + "A" * 60},
        {"cursor": "e1.OTk5OTk5OTk5OTk5OTk5OTk5LjE"},
        {"cursor": "e1.MS4w"},
        {"since": "yesterday"},
        {"since": "2026-12-01T10:00:00"},
        {"until": "2026-13-01T10:00:00Z"},
        {"limit": 0},
        {"limit": 201},
        {"type": "no.such"},
        {"outcome": "maybe"},
        {"user_id": 0},
        {"user_id": 2**70},
        {"unknown": 1},
    ],
)
def test_malformed_query_is_422(
    client: TestClient, admin_headers: dict[str, str], params: dict[str, str | int]
) -> None:
    response = client.get(URL, params=params, headers=admin_headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]


def test_a_tampered_cursor_is_422(
    client: TestClient, db_session: Session, admin_headers: dict[str, str]
) -> None:
    for _ in range(3):
        add_event(db_session)
    cursor = client.get(URL, params={"limit": 1}, headers=admin_headers).json()["next_cursor"]
    assert client.get(URL, params={"cursor": cursor}, headers=admin_headers).status_code == 200
    for tampered in (cursor + "A", cursor[:-1], cursor.replace("e1.", "e2.")):
        response = client.get(URL, params={"cursor": tampered}, headers=admin_headers)
        assert response.status_code == 422, tampered


def test_only_admins_read_the_trail(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    add_event(db_session, user_id=user.id)
    assert client.get(URL).status_code == 401
    response = client.get(URL, params={"user_id": user.id}, headers=login_as(user).headers)
    assert response.status_code == 403
    assert "203.0.113.9" not in response.text


def test_handler_filters_by_type(db_session: Session) -> None:
    wanted = add_event(db_session, type=EventType.USER_DELETED, user_id=55)
    add_event(db_session, type=EventType.LOGOUT, user_id=55)
    page = handler.handle(
        ListAuditEventsQuery(user_id=55, type=EventType.USER_DELETED), session=db_session
    )
    assert [item.id for item in page.items] == [wanted.id]
    assert page.next_cursor is None
