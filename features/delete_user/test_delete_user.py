"""DELETE /api/users/{user_id}."""

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from features.delete_user import handler
from features.delete_user.schemas import DeleteUserRequest
from shared.accounts.principal import Account, Principal
from shared.db.engine import Database
from shared.db.models import AuthSession, User
from shared.db.schema import upgrade_to_head
from shared.errors import LastAdminError, NotFoundError, PreconditionFailedError
from tests.factories import AdminFactory, UserFactory
from tests.fixtures import WHOAMI_PATH, Tokens, make_settings

Login = Callable[[User], Tokens]


def exists(session: Session, user_id: int) -> bool:
    return session.scalar(select(User.id).where(User.id == user_id)) is not None


def session_count(session: Session, user_id: int) -> int:
    count = select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user_id)
    return session.scalar(count) or 0


def test_user_deletes_themself_and_their_token_stops_working(
    client: TestClient, user: User, login_as: Login, db_session: Session
) -> None:
    tokens, other_device = login_as(user), login_as(user)
    response = client.delete(f"/api/users/{user.id}", headers=tokens.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert not exists(db_session, user.id)
    assert session_count(db_session, user.id) == 0
    for device in (tokens, other_device):
        assert client.get(WHOAMI_PATH, headers=device.headers).status_code == 401


def test_deleting_frees_the_email(
    client: TestClient, user: User, admin: User, login_as: Login
) -> None:
    email = user.email
    assert (
        client.delete(f"/api/users/{user.id}", headers=login_as(admin).headers).status_code == 204
    )
    # The unique index on the case-folded email no longer holds it.
    assert UserFactory.create(email=email.upper()).id != user.id


def test_admin_deletes_another_user(
    client: TestClient, user: User, admin: User, login_as: Login, db_session: Session
) -> None:
    response = client.delete(f"/api/users/{user.id}", headers=login_as(admin).headers)
    assert response.status_code == 204
    assert not exists(db_session, user.id)
    assert exists(db_session, admin.id)


def test_non_admin_deleting_another_user_gets_404_like_a_missing_id(
    client: TestClient, user: User, login_as: Login, db_session: Session
) -> None:
    other = UserFactory.create()
    headers = login_as(user).headers
    existing = client.delete(f"/api/users/{other.id}", headers=headers)
    missing = client.delete(f"/api/users/{other.id + 999}", headers=headers)
    assert existing.status_code == missing.status_code == 404
    assert existing.json()["detail"] == missing.json()["detail"]
    assert exists(db_session, other.id)


@pytest.mark.parametrize("user_id", ["0", str(2**63), str(2**64), "31337"])
def test_ids_no_user_has_get_404(
    client: TestClient, admin: User, login_as: Login, user_id: str
) -> None:
    response = client.delete(f"/api/users/{user_id}", headers=login_as(admin).headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_anonymous_gets_401(client: TestClient, user: User, db_session: Session) -> None:
    response = client.delete(f"/api/users/{user.id}")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert exists(db_session, user.id)


def test_last_active_admin_cannot_be_deleted(
    client: TestClient, admin: User, login_as: Login, db_session: Session
) -> None:
    AdminFactory.create(is_active=False)
    tokens = login_as(admin)
    response = client.delete(f"/api/users/{admin.id}", headers=tokens.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    assert exists(db_session, admin.id)
    assert client.get(WHOAMI_PATH, headers=tokens.headers).status_code == 200


def test_an_admin_may_be_deleted_while_another_active_admin_remains(
    client: TestClient, admin: User, login_as: Login, db_session: Session
) -> None:
    other_admin = AdminFactory.create()
    response = client.delete(f"/api/users/{other_admin.id}", headers=login_as(admin).headers)
    assert response.status_code == 204
    assert not exists(db_session, other_admin.id)


@pytest.mark.parametrize("if_match", ['"1.999"', "W/{etag}", "", "nonsense"])
def test_stale_if_match_gets_412_and_deletes_nothing(
    client: TestClient, user: User, login_as: Login, db_session: Session, if_match: str
) -> None:
    response = client.delete(
        f"/api/users/{user.id}",
        headers={**login_as(user).headers, "If-Match": if_match.format(etag=user.etag)},
    )
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    assert exists(db_session, user.id)


@pytest.mark.parametrize("if_match", ["{etag}", "*", '"9.9", {etag}'])
def test_matching_if_match_deletes(
    client: TestClient, user: User, login_as: Login, db_session: Session, if_match: str
) -> None:
    response = client.delete(
        f"/api/users/{user.id}",
        headers={**login_as(user).headers, "If-Match": if_match.format(etag=user.etag)},
    )
    assert response.status_code == 204
    assert not exists(db_session, user.id)


def test_openapi_declares_every_response(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/users/{user_id}"]["delete"]
    assert operation["operationId"] == "delete_user"
    assert {"204", "401", "404", "409", "412", "422"} <= set(operation["responses"])


# --- the handler alone ------------------------------------------------------------------------


def test_handler_deletes_and_refuses(db_session: Session) -> None:
    admin, target, bystander = AdminFactory.create(), UserFactory.create(), UserFactory.create()
    as_admin, as_user = Principal(Account.of(admin), "sid"), Principal(Account.of(bystander), "sid")
    with pytest.raises(NotFoundError):
        handler.handle(
            DeleteUserRequest(user_id=target.id, if_match=None), session=db_session, caller=as_user
        )
    with pytest.raises(PreconditionFailedError):
        handler.handle(
            DeleteUserRequest(user_id=target.id, if_match='"stale"'),
            session=db_session,
            caller=as_admin,
        )
    with pytest.raises(LastAdminError):
        handler.handle(
            DeleteUserRequest(user_id=admin.id, if_match=None), session=db_session, caller=as_admin
        )
    handler.handle(
        DeleteUserRequest(user_id=target.id, if_match=target.etag),
        session=db_session,
        caller=as_admin,
    )
    assert not exists(db_session, target.id)
    with pytest.raises(NotFoundError):
        handler.handle(
            DeleteUserRequest(user_id=target.id, if_match=None), session=db_session, caller=as_admin
        )


def test_handler_refuses_to_delete_a_user_changed_after_it_was_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'own.db'}"
    upgrade_to_head(url)
    database = Database.from_settings(make_settings(tmp_path, database_url=url))
    try:
        with database.write_sessions() as setup:
            target = UserFactory.build()
            setup.add(target)
            setup.commit()
        with database.read_sessions() as slow, database.write_sessions() as fast:
            # Kept referenced: the identity map holds objects only weakly.
            read_early = slow.get(User, target.id)
            slow.commit()
            changed = fast.get(User, target.id)
            assert changed is not None
            changed.full_name = "Changed Meanwhile"
            fast.commit()
            with pytest.raises(PreconditionFailedError):
                handler.handle(
                    DeleteUserRequest(user_id=target.id, if_match=None),
                    session=slow,
                    caller=Principal(Account.of(target), "sid"),
                )
            assert read_early is not None
        with database.read_sessions() as check:
            assert check.get(User, target.id) is not None
    finally:
        database.dispose()
