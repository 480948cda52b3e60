"""PUT /api/users/{user_id}."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from features.update_user import handler
from features.update_user.errors import CurrentPasswordRequiredError, WrongCurrentPasswordError
from features.update_user.schemas import UpdateUserRequest
from shared.accounts.principal import Account, Principal
from shared.config import Settings
from shared.db.engine import Database
from shared.db.models import AuthSession, User, utcnow
from shared.db.schema import upgrade_to_head
from shared.errors import (
    EmailTakenError,
    ForbiddenError,
    LastAdminError,
    NotFoundError,
    PreconditionFailedError,
    WeakPasswordError,
)
from shared.ratelimit.limiter import FailureCounter, RateLimiter
from shared.security import passwords
from shared.security.access_tokens import TokenSettings, create_access_token
from shared.security.passwords import verify_password
from shared.security.refresh_tokens import new_refresh_key, new_session_id
from tests.factories import DEFAULT_PASSWORD, AdminFactory, UserFactory
from tests.fixtures import (
    TEST_SECRET,
    WHOAMI_PATH,
    LiveServer,
    Tokens,
    make_settings,
    server_env,
    start_server,
    stop_server,
)

NEW_PASSWORD = "a brand new passphrase"
Login = Callable[[User], Tokens]


def snapshot(session: Session, user: User) -> dict[str, Any]:
    """The user's row as stored now, to assert that a refused request changed nothing."""
    session.expire_all()
    stored = session.get(User, user.id)
    assert stored is not None
    return {
        column: getattr(stored, column)
        for column in ("email", "email_key", "full_name", "hashed_password", "role", "is_active")
    } | {"version": stored.version}


def put(
    client: TestClient, user: User, body: dict[str, Any], tokens: Tokens, **headers: str
) -> Any:
    return client.put(f"/api/users/{user.id}", json=body, headers={**tokens.headers, **headers})


# --- changing one's own record ----------------------------------------------------------------


def test_user_changes_own_full_name_and_gets_a_new_etag(
    client: TestClient, user: User, login_as: Login, db_session: Session
) -> None:
    tokens = login_as(user)
    old_etag = user.etag
    response = put(client, user, {"full_name": "Ada King"}, tokens)
    assert response.status_code == 200
    body = response.json()
    assert body["full_name"] == "Ada King"
    assert set(body) == {
        "id", "email", "full_name", "role", "is_active", "email_verified",
        "created_at", "updated_at",
    }  # fmt: skip
    assert response.headers["etag"] != old_etag
    db_session.expire_all()
    assert response.headers["etag"] == db_session.get(User, user.id).etag  # type: ignore[union-attr]
    assert user.hashed_password not in response.text
    # A name change ends no session.
    assert client.get(WHOAMI_PATH, headers=tokens.headers).status_code == 200


def test_null_full_name_clears_it(client: TestClient, user: User, login_as: Login) -> None:
    response = put(client, user, {"full_name": None}, login_as(user))
    assert response.status_code == 200
    assert response.json()["full_name"] is None


def test_empty_update_changes_nothing_and_keeps_the_etag(
    client: TestClient, user: User, login_as: Login, db_session: Session
) -> None:
    before = snapshot(db_session, user)
    response = put(client, user, {}, login_as(user))
    assert response.status_code == 200
    assert response.headers["etag"] == user.etag
    assert snapshot(db_session, user) == before


def test_own_email_change_with_current_password_is_normalised(
    client: TestClient, user: User, login_as: Login, db_session: Session
) -> None:
    tokens = login_as(user)
    response = put(
        client,
        user,
        {"email": " New.Me@Example.COM ", "current_password": DEFAULT_PASSWORD},
        tokens,
    )
    assert response.status_code == 200
    assert response.json()["email"] == "New.Me@example.com"
    stored = snapshot(db_session, user)
    assert stored["email_key"] == "new.me@example.com"
    # An email change is not a credential change: the session lives on.
    assert client.get(WHOAMI_PATH, headers=tokens.headers).status_code == 200


def test_changing_only_the_case_of_ones_own_email_is_not_a_conflict(
    client: TestClient, user: User, login_as: Login
) -> None:
    response = put(
        client,
        user,
        {"email": user.email.upper(), "current_password": DEFAULT_PASSWORD},
        login_as(user),
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"email": "new@example.com"}, "current_password_required"),
        (
            {"email": "new@example.com", "current_password": "wrong-password-1"},
            "wrong_current_password",
        ),
        ({"password": NEW_PASSWORD}, "current_password_required"),
        (
            {"password": NEW_PASSWORD, "current_password": "wrong-password-1"},
            "wrong_current_password",
        ),
        ({"password": NEW_PASSWORD, "current_password": NEW_PASSWORD}, "wrong_current_password"),
    ],
)
def test_own_email_or_password_without_the_right_current_password_gets_403(
    client: TestClient,
    user: User,
    login_as: Login,
    db_session: Session,
    change: dict[str, str],
    code: str,
) -> None:
    tokens = login_as(user)
    before = snapshot(db_session, user)
    response = put(client, user, change, tokens)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert snapshot(db_session, user) == before
    assert client.get(WHOAMI_PATH, headers=tokens.headers).status_code == 200


def test_admin_changing_own_email_also_needs_current_password(
    client: TestClient, admin: User, login_as: Login, db_session: Session
) -> None:
    before = snapshot(db_session, admin)
    response = put(client, admin, {"email": "boss@example.com"}, login_as(admin))
    assert response.status_code == 403
    assert snapshot(db_session, admin) == before


def test_own_password_change_revokes_every_earlier_token(
    client: TestClient, user: User, login_as: Login, db_session: Session
) -> None:
    this_device, other_device = login_as(user), login_as(user)
    response = put(
        client, user, {"password": NEW_PASSWORD, "current_password": DEFAULT_PASSWORD}, this_device
    )
    assert response.status_code == 200
    stored = snapshot(db_session, user)
    assert verify_password(NEW_PASSWORD, stored["hashed_password"])
    assert not verify_password(DEFAULT_PASSWORD, stored["hashed_password"])
    for tokens in (this_device, other_device):
        refused = client.get(WHOAMI_PATH, headers=tokens.headers)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
    # Logging in afresh (a new session) works.
    assert client.get(WHOAMI_PATH, headers=login_as(user).headers).status_code == 200


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short", "at least"),
        ("x" * 129, "at most"),
        ("password123", "too common"),
        ("new\nline-password", "control"),
    ],
)
def test_weak_new_password_gets_422_and_changes_nothing(
    client: TestClient, user: User, login_as: Login, db_session: Session, password: str, why: str
) -> None:
    tokens = login_as(user)
    before = snapshot(db_session, user)
    response = put(
        client, user, {"password": password, "current_password": DEFAULT_PASSWORD}, tokens
    )
    assert response.status_code == 422
    assert response.json()["code"] == "weak_password"
    assert why in response.json()["detail"]
    assert snapshot(db_session, user) == before
    assert client.get(WHOAMI_PATH, headers=tokens.headers).status_code == 200


def test_new_password_equal_to_the_new_email_is_refused(
    client: TestClient, user: User, login_as: Login, db_session: Session
) -> None:
    before = snapshot(db_session, user)
    response = put(
        client,
        user,
        {
            "email": "fresh@example.com",
            "password": "Fresh@Example.com",
            "current_password": DEFAULT_PASSWORD,
        },
        login_as(user),
    )
    assert response.status_code == 422
    assert snapshot(db_session, user) == before


# --- what an admin may do ---------------------------------------------------------------------


def test_admin_changes_someone_elses_email_and_password_without_current_password(
    client: TestClient, user: User, admin: User, login_as: Login, db_session: Session
) -> None:
    response = put(
        client, user, {"email": "renamed@example.com", "password": NEW_PASSWORD}, login_as(admin)
    )
    assert response.status_code == 200
    stored = snapshot(db_session, user)
    assert stored["email"] == "renamed@example.com"
    assert verify_password(NEW_PASSWORD, stored["hashed_password"])


def test_admin_setting_a_password_equal_to_the_users_email_gets_422(
    client: TestClient, user: User, admin: User, login_as: Login, db_session: Session
) -> None:
    before = snapshot(db_session, user)
    response = put(client, user, {"password": user.email.upper()}, login_as(admin))
    assert response.status_code == 422
    assert response.json()["code"] == "weak_password"
    assert snapshot(db_session, user) == before


def test_role_change_revokes_the_users_tokens_and_takes_effect(
    client: TestClient, user: User, admin: User, login_as: Login
) -> None:
    old_tokens = login_as(user)
    response = put(client, user, {"role": "admin"}, login_as(admin))
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    assert client.get(WHOAMI_PATH, headers=old_tokens.headers).status_code == 401
    fresh = client.get(WHOAMI_PATH, headers=login_as(user).headers)
    assert fresh.json()["role"] == "admin"


def test_deactivation_revokes_and_reactivation_does_not_revive_old_tokens(
    client: TestClient, user: User, admin: User, login_as: Login
) -> None:
    old_tokens = login_as(user)
    admin_tokens = login_as(admin)
    assert put(client, user, {"is_active": False}, admin_tokens).json()["is_active"] is False
    assert client.get(WHOAMI_PATH, headers=old_tokens.headers).status_code == 401
    assert put(client, user, {"is_active": True}, admin_tokens).json()["is_active"] is True
    assert client.get(WHOAMI_PATH, headers=old_tokens.headers).status_code == 401
    assert client.get(WHOAMI_PATH, headers=login_as(user).headers).status_code == 200


def test_sending_the_current_role_changes_and_revokes_nothing(
    client: TestClient, user: User, admin: User, login_as: Login, db_session: Session
) -> None:
    old_tokens = login_as(user)
    before = snapshot(db_session, user)
    response = put(client, user, {"role": "user", "is_active": True}, login_as(admin))
    assert response.status_code == 200
    assert snapshot(db_session, user) == before
    assert client.get(WHOAMI_PATH, headers=old_tokens.headers).status_code == 200


@pytest.mark.parametrize("change", [{"role": "user"}, {"is_active": False}])
def test_last_active_admin_cannot_be_demoted_or_deactivated(
    client: TestClient, admin: User, login_as: Login, db_session: Session, change: dict[str, Any]
) -> None:
    # Another admin who is inactive does not count.
    AdminFactory.create(is_active=False)
    tokens = login_as(admin)
    before = snapshot(db_session, admin)
    response = put(client, admin, change, tokens)
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    assert snapshot(db_session, admin) == before
    assert client.get(WHOAMI_PATH, headers=tokens.headers).status_code == 200


def test_an_admin_may_step_down_when_another_active_admin_remains(
    client: TestClient, admin: User, login_as: Login
) -> None:
    AdminFactory.create()
    response = put(client, admin, {"role": "user"}, login_as(admin))
    assert response.status_code == 200
    assert response.json()["role"] == "user"


# --- what is refused --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"role": "admin"}, {"role": "user"}, {"is_active": True}, {"is_active": False}],
)
def test_non_admin_sending_role_or_is_active_gets_403_whatever_the_value(
    client: TestClient, user: User, login_as: Login, db_session: Session, change: dict[str, Any]
) -> None:
    before = snapshot(db_session, user)
    response = put(client, user, {**change, "full_name": "Sneaky"}, login_as(user))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert snapshot(db_session, user) == before


def test_non_admin_updating_another_user_gets_404_like_a_missing_id(
    client: TestClient, user: User, login_as: Login, db_session: Session
) -> None:
    other = UserFactory.create()
    before = snapshot(db_session, other)
    tokens = login_as(user)
    existing = client.put(f"/api/users/{other.id}", json={"full_name": "X"}, headers=tokens.headers)
    missing = client.put(
        f"/api/users/{other.id + 999}", json={"full_name": "X"}, headers=tokens.headers
    )
    assert existing.status_code == missing.status_code == 404
    assert existing.json()["detail"] == missing.json()["detail"]
    assert snapshot(db_session, other) == before


@pytest.mark.parametrize("user_id", ["0", str(2**63), str(2**64), "424242"])
def test_ids_no_user_has_get_404(
    client: TestClient, admin: User, login_as: Login, user_id: str
) -> None:
    response = client.put(
        f"/api/users/{user_id}", json={"full_name": "X"}, headers=login_as(admin).headers
    )
    assert response.status_code == 404


def test_anonymous_gets_401(client: TestClient, user: User, db_session: Session) -> None:
    before = snapshot(db_session, user)
    response = client.put(f"/api/users/{user.id}", json={"full_name": "X"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert snapshot(db_session, user) == before


@pytest.mark.parametrize(
    "body",
    [
        {"id": 99},
        {"hashed_password": "$2b$04$abc"},
        {"version": 7},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"email": None},
        {"password": None},
        {"role": None},
        {"is_active": None},
        {"current_password": None},
        {"email": "not-an-email"},
        {"role": "superuser"},
        {"full_name": "x" * 201},
        {"password": ""},
        {"is_active": "maybe"},
    ],
)
def test_invalid_or_unknown_fields_get_422_and_change_nothing(
    client: TestClient, admin: User, login_as: Login, db_session: Session, body: dict[str, Any]
) -> None:
    target = UserFactory.create()
    before = snapshot(db_session, target)
    response = put(client, target, body, login_as(admin))
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["loc"][0] == "body"
    assert snapshot(db_session, target) == before


def test_malformed_json_gets_400(client: TestClient, user: User, login_as: Login) -> None:
    response = client.put(
        f"/api/users/{user.id}",
        content=b'{"full_name": ',
        headers={**login_as(user).headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_body_over_the_limit_gets_413(client: TestClient, user: User, login_as: Login) -> None:
    response = put(client, user, {"full_name": "x" * 70_000}, login_as(user))
    assert response.status_code == 413


@pytest.mark.parametrize("taken", ["Taken@example.com", "taken@EXAMPLE.com", " TAKEN@example.com"])
def test_email_taken_in_any_case_gets_409_and_changes_nothing(
    client: TestClient, user: User, admin: User, login_as: Login, db_session: Session, taken: str
) -> None:
    UserFactory.create(email="taken@example.com")
    before = snapshot(db_session, user)
    response = put(client, user, {"email": taken}, login_as(admin))
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert snapshot(db_session, user) == before


# --- If-Match ---------------------------------------------------------------------------------


def test_current_if_match_succeeds_and_stale_if_match_gets_412(
    client: TestClient, user: User, login_as: Login, db_session: Session
) -> None:
    tokens = login_as(user)
    first_etag = user.etag
    first = put(client, user, {"full_name": "First"}, tokens, **{"If-Match": first_etag})
    assert first.status_code == 200
    before = snapshot(db_session, user)
    second = put(client, user, {"full_name": "Second"}, tokens, **{"If-Match": first_etag})
    assert second.status_code == 412
    assert second.json()["code"] == "precondition_failed"
    assert snapshot(db_session, user) == before
    third = put(client, user, {"full_name": "Third"}, tokens, **{"If-Match": first.headers["etag"]})
    assert third.status_code == 200


@pytest.mark.parametrize("if_match", ['"0.0"', "W/{etag}", "", "garbage"])
def test_if_match_that_is_not_the_current_strong_etag_gets_412(
    client: TestClient, user: User, login_as: Login, db_session: Session, if_match: str
) -> None:
    before = snapshot(db_session, user)
    response = put(
        client,
        user,
        {"full_name": "Nope"},
        login_as(user),
        **{"If-Match": if_match.format(etag=user.etag)},
    )
    assert response.status_code == 412
    assert snapshot(db_session, user) == before


def test_if_match_star_matches_an_existing_user(
    client: TestClient, user: User, login_as: Login
) -> None:
    assert (
        put(client, user, {"full_name": "Y"}, login_as(user), **{"If-Match": "*"}).status_code
        == 200
    )


def test_openapi_declares_every_response(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/api/users/{user_id}"]["put"]
    assert operation["operationId"] == "update_user"
    assert {"200", "400", "401", "403", "404", "409", "412", "413", "422"} <= set(
        operation["responses"]
    )
    assert document["components"]["schemas"]["UpdateUserRequest"]["additionalProperties"] is False


# --- the handler alone ------------------------------------------------------------------------


def test_handler_refuses_what_the_caller_may_not_do(
    db_session: Session, settings: Settings
) -> None:
    caller, other = UserFactory.create(), UserFactory.create()
    principal = Principal(Account.of(caller), "sid")
    cases: list[tuple[UpdateUserRequest, int, type[Exception]]] = [
        (UpdateUserRequest(full_name="X"), other.id, NotFoundError),
        (UpdateUserRequest(role="user"), caller.id, ForbiddenError),
        (UpdateUserRequest(email="n@example.com"), caller.id, CurrentPasswordRequiredError),
        (
            UpdateUserRequest(password=NEW_PASSWORD, current_password="not it at all"),
            caller.id,
            WrongCurrentPasswordError,
        ),
        (
            UpdateUserRequest(password="12345678", current_password=DEFAULT_PASSWORD),
            caller.id,
            WeakPasswordError,
        ),
        (UpdateUserRequest(email=other.email), other.id, NotFoundError),
    ]
    for request, user_id, error in cases:
        with pytest.raises(error):
            handler.handle(
                request,
                user_id=user_id,
                if_match=None,
                session=db_session,
                caller=principal,
                settings=settings,
                failures=FailureCounter(RateLimiter(settings)),
            )


def test_handler_maps_conflicts(db_session: Session, settings: Settings) -> None:
    admin, target = AdminFactory.create(), UserFactory.create()
    principal = Principal(Account.of(admin), "sid")

    def update(request: UpdateUserRequest, user_id: int, if_match: str | None = None) -> object:
        return handler.handle(
            request,
            user_id=user_id,
            if_match=if_match,
            session=db_session,
            caller=principal,
            settings=settings,
            failures=FailureCounter(RateLimiter(settings)),
        )

    with pytest.raises(EmailTakenError):
        update(UpdateUserRequest(email=admin.email), target.id)
    with pytest.raises(LastAdminError):
        update(UpdateUserRequest(is_active=False), admin.id)
    with pytest.raises(PreconditionFailedError):
        update(UpdateUserRequest(full_name="X"), target.id, if_match='"stale"')
    updated = update(UpdateUserRequest(full_name="Fine"), target.id, if_match=target.etag)
    assert updated.user.full_name == "Fine"  # type: ignore[attr-defined]


def test_handler_runs_bcrypt_outside_the_write_transaction(
    db_session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bcrypt takes ~250 ms at production cost; on SQLite the write lock must not wait on it."""
    user = UserFactory.create()
    write_session = Session(bind=db_session.connection().engine)
    seen: list[bool] = []

    def spy(real: Callable[..., Any]) -> Callable[..., Any]:
        def observed(*args: Any, **kwargs: Any) -> Any:
            seen.append(write_session.in_transaction())
            return real(*args, **kwargs)

        return observed

    monkeypatch.setattr(handler, "hash_password", spy(passwords.hash_password))
    monkeypatch.setattr(handler, "verify_password", spy(passwords.verify_password))
    with pytest.raises(NotFoundError):
        # A missing id: the handler reaches its transaction only after hashing.
        handler.handle(
            UpdateUserRequest(password=NEW_PASSWORD, current_password=DEFAULT_PASSWORD),
            user_id=user.id,
            if_match=None,
            session=write_session,
            caller=Principal(Account.of(user), "sid"),
            settings=settings,
            failures=FailureCounter(RateLimiter(settings)),
        )
    write_session.close()
    assert seen == [False, False]


# --- concurrency ------------------------------------------------------------------------------


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[Database]:
    """A database of this test's own, where separate sessions commit for real."""
    url = f"sqlite:///{tmp_path / 'own.db'}"
    upgrade_to_head(url)
    database = Database.from_settings(make_settings(tmp_path, database_url=url))
    yield database
    database.dispose()


def test_a_change_made_after_the_handler_read_the_user_gets_412(
    own_database: Database, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path)
    with own_database.write_sessions() as setup:
        admin = UserFactory.build(role="admin")
        setup.add(admin)
        setup.commit()
    principal = Principal(Account.of(admin), "sid")
    with own_database.read_sessions() as slow, own_database.write_sessions() as fast:
        # `slow` read version 1 and ended its transaction; `fast` then changes the row.
        # (Kept referenced: the identity map holds objects only weakly.)
        read_early = slow.get(User, admin.id)
        slow.commit()
        handler.handle(
            UpdateUserRequest(full_name="Fast"),
            user_id=admin.id,
            if_match=None,
            session=fast,
            caller=principal,
            settings=settings,
            failures=FailureCounter(RateLimiter(settings)),
        )
        with pytest.raises(PreconditionFailedError):
            handler.handle(
                UpdateUserRequest(full_name="Slow"),
                user_id=admin.id,
                if_match=None,
                session=slow,
                caller=principal,
                settings=settings,
                failures=FailureCounter(RateLimiter(settings)),
            )
        assert read_early is not None
    with own_database.read_sessions() as check:
        assert check.get(User, admin.id).full_name == "Fast"  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for this module's races: starting one takes seconds on a busy machine."""
    server = start_server(server_env(tmp_path_factory.mktemp("live")))
    yield server
    stop_server(server)


def seed(server: LiveServer, *users: User) -> list[dict[str, str]]:
    """Users written into the live server's database, with a bearer header for each."""
    settings = make_settings(Path(server.env["DATA_DIR"]), database_url=server.env["DATABASE_URL"])
    token_settings = TokenSettings(
        secret=TEST_SECRET,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithm=settings.jwt_algorithm,
        access_ttl=timedelta(minutes=5),
    )
    database = Database.from_settings(settings)
    headers = []
    with database.write_sessions() as session:
        session.add_all(users)
        session.flush()
        for user in users:
            now = utcnow()
            auth_session = AuthSession(
                id=new_session_id(),
                user_id=user.id,
                refresh_key=new_refresh_key(),
                created_at=now,
                expires_at=now + timedelta(hours=1),
            )
            session.add(auth_session)
            token = create_access_token(
                user_id=user.id, session_id=auth_session.id, now=now, settings=token_settings
            )
            headers.append({"Authorization": f"Bearer {token}"})
        session.commit()
    database.dispose()
    return headers


def race(*requests: Callable[[], httpx.Response]) -> list[int]:
    """Send the requests at the same moment from threads; their statuses, in order."""
    start = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)

    def run(index: int) -> None:
        start.wait()
        statuses[index] = requests[index]().status_code

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.server
def test_two_puts_with_the_same_if_match_exactly_one_wins(shared_server: LiveServer) -> None:
    user = UserFactory.build()
    (headers,) = seed(shared_server, user)
    with shared_server.client() as http:
        etag = http.get("/api/users/me", headers=headers).headers["etag"]

        def put_name(name: str) -> Callable[[], httpx.Response]:
            return lambda: http.put(
                f"/api/users/{user.id}",
                json={"full_name": name},
                headers={**headers, "If-Match": etag},
            )

        statuses = race(put_name("Left"), put_name("Right"))
        assert sorted(statuses) == [200, 412]
        winner = "Left" if statuses[0] == 200 else "Right"
        assert http.get("/api/users/me", headers=headers).json()["full_name"] == winner


@pytest.mark.server
def test_two_admins_demoting_each_other_at_once_leave_one_admin(shared_server: LiveServer) -> None:
    first, second = AdminFactory.build(), AdminFactory.build()
    first_headers, second_headers = seed(shared_server, first, second)
    with shared_server.client() as http:
        statuses = race(
            lambda: http.put(
                f"/api/users/{second.id}", json={"role": "user"}, headers=first_headers
            ),
            lambda: http.put(
                f"/api/users/{first.id}", json={"role": "user"}, headers=second_headers
            ),
        )
    # The loser's own token may already be revoked by the winner's demotion (401), or it
    # found itself no longer an admin in its write transaction (403); never may both succeed.
    assert statuses.count(200) == 1
    assert set(statuses) - {200} <= {401, 403}
    database = Database.from_settings(
        make_settings(
            Path(shared_server.env["DATA_DIR"]), database_url=shared_server.env["DATABASE_URL"]
        )
    )
    with database.read_sessions() as session:
        admins = session.scalars(select(User).where(User.role == "admin")).all()
    database.dispose()
    assert len(admins) == 1
