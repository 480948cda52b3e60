"""DELETE /api/users/me/sessions/{session_id}."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from features.end_my_session import handler
from features.end_my_session.schemas import EndMySessionRequest
from shared.accounts.principal import Account, Principal
from shared.db.models import AuditEvent, AuthSession, User
from tests.factories import UserFactory
from tests.fixtures import WHOAMI_PATH, Tokens


def url(session_id: str) -> str:
    return f"/api/users/me/sessions/{session_id}"


def revoked(db_session: Session, session_id: str) -> bool:
    return (
        db_session.scalar(select(AuthSession.revoked_at).where(AuthSession.id == session_id))
        is not None
    )


def test_ending_my_other_session_stops_its_tokens_at_once(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    here, laptop = login_as(user), login_as(user)
    response = client.delete(url(laptop.session_id), headers=here.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(WHOAMI_PATH, headers=laptop.headers).status_code == 401
    assert client.get(WHOAMI_PATH, headers=here.headers).status_code == 200
    (event,) = db_session.scalars(select(AuditEvent).where(AuditEvent.type == "session.revoked"))
    assert (event.user_id, event.session_id, event.actor_user_id) == (
        user.id,
        laptop.session_id,
        None,
    )


def test_ending_the_current_session_logs_me_out(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    here = login_as(user)
    assert client.delete(url(here.session_id), headers=here.headers).status_code == 204
    assert client.get(WHOAMI_PATH, headers=here.headers).status_code == 401


def test_another_users_session_is_204_and_untouched(
    client: TestClient, db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    mine = login_as(user)
    theirs = login_as(UserFactory.create())
    assert client.delete(url(theirs.session_id), headers=mine.headers).status_code == 204
    assert not revoked(db_session, theirs.session_id)
    assert client.get(WHOAMI_PATH, headers=theirs.headers).status_code == 200
    assert db_session.scalars(select(AuditEvent)).all() == []


@pytest.mark.parametrize("session_id", ["nosuchsession", "x" * 2000, "%00", "a.b"])
def test_any_other_id_is_204_and_changes_nothing(
    client: TestClient,
    db_session: Session,
    user: User,
    login_as: Callable[[User], Tokens],
    session_id: str,
) -> None:
    mine = login_as(user)
    assert client.delete(url(session_id), headers=mine.headers).status_code == 204
    assert not revoked(db_session, mine.session_id)


def test_needs_a_token(client: TestClient, user: User, login_as: Callable[[User], Tokens]) -> None:
    tokens = login_as(user)
    assert client.delete(url(tokens.session_id)).status_code == 401


def test_handler_ends_only_the_callers_live_session(
    db_session: Session, user: User, login_as: Callable[[User], Tokens]
) -> None:
    other_user = UserFactory.create()
    theirs, mine = login_as(other_user), login_as(user)
    caller = Principal(Account.of(user), mine.session_id)
    handler.handle(
        EndMySessionRequest(session_id=theirs.session_id), session=db_session, caller=caller
    )
    assert not revoked(db_session, theirs.session_id)
    handler.handle(
        EndMySessionRequest(session_id=mine.session_id), session=db_session, caller=caller
    )
    assert revoked(db_session, mine.session_id)
