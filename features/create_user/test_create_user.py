"""POST /api/users."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from features.create_user import handler
from features.create_user.schemas import CreateUserRequest
from shared.config import Settings
from shared.db.models import User
from shared.errors import EmailTakenError, ForbiddenError, UnauthorizedError, WeakPasswordError
from shared.security.passwords import verify_password
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.fixtures import Tokens

GOOD_PASSWORD = "a perfectly fine passphrase"


def user_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def test_sign_up_returns_201_with_location_and_user(client: TestClient) -> None:
    response = client.post(
        "/api/users",
        json={"email": " Ada@Example.COM ", "password": GOOD_PASSWORD, "full_name": "Ada Lovelace"},
    )
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/api/users/{body['id']}"
    assert body["email"] == "Ada@example.com"
    assert body["full_name"] == "Ada Lovelace"
    assert body["role"] == "user"
    assert body["is_active"] is True
    assert body["created_at"].endswith("Z")
    assert "password" not in response.text
    assert "hashed" not in response.text


def test_full_name_is_optional_and_null(client: TestClient) -> None:
    response = client.post("/api/users", json={"email": "n@example.com", "password": GOOD_PASSWORD})
    assert response.status_code == 201
    assert response.json()["full_name"] is None


def test_password_is_stored_hashed(client: TestClient, db_session: Session) -> None:
    client.post("/api/users", json={"email": "h@example.com", "password": GOOD_PASSWORD})
    stored = db_session.scalars(select(User).where(User.email_key == "h@example.com")).one()
    assert stored.hashed_password.startswith("$2")
    assert verify_password(GOOD_PASSWORD, stored.hashed_password)


@pytest.mark.parametrize("other_case", ["ada@example.com", "ADA@EXAMPLE.COM", " Ada@example.com"])
def test_duplicate_email_in_any_case_returns_409(
    client: TestClient, db_session: Session, other_case: str
) -> None:
    UserFactory.create(email="Ada@example.com")
    before = user_count(db_session)
    response = client.post("/api/users", json={"email": other_case, "password": GOOD_PASSWORD})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "email_taken"
    assert user_count(db_session) == before


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short", "at least"),
        ("x" * 129, "at most"),
        ("password123", "too common"),
        ("line\nbreak-password", "control"),
        ("tab\tseparated-pass", "control"),
        ("nul\x00inside-password", "control"),
        ("same@example.com", "email"),
    ],
)
def test_weak_password_returns_422_and_creates_nothing(
    client: TestClient, db_session: Session, password: str, why: str
) -> None:
    before = user_count(db_session)
    response = client.post("/api/users", json={"email": "same@example.com", "password": password})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "weak_password"
    assert why in body["detail"]
    assert body["errors"][0]["loc"] == ["body", "password"]
    assert user_count(db_session) == before


def test_password_length_counts_code_points_after_nfkc(client: TestClient) -> None:
    # Eight code points, sixteen bytes in UTF-8: long enough.
    response = client.post("/api/users", json={"email": "u@example.com", "password": "ééééèèèè"})
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": GOOD_PASSWORD},
        {"password": GOOD_PASSWORD},
        {"email": "a@example.com"},
        {"email": "a@example.com", "password": GOOD_PASSWORD, "full_name": "x" * 201},
        {"email": "a@example.com", "password": GOOD_PASSWORD, "id": 5},
        {"email": "a@example.com", "password": GOOD_PASSWORD, "hashed_password": "x"},
        {"email": 5, "password": GOOD_PASSWORD},
    ],
)
def test_invalid_body_returns_422_problem(client: TestClient, body: dict[str, object]) -> None:
    response = client.post("/api/users", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["code"] == "validation_error"
    assert problem["errors"]
    assert GOOD_PASSWORD not in response.text


@pytest.mark.parametrize("field", [{"role": "admin"}, {"role": "user"}, {"is_active": True}])
def test_anonymous_setting_admin_fields_gets_403(
    client: TestClient, db_session: Session, field: dict[str, object]
) -> None:
    before = user_count(db_session)
    response = client.post(
        "/api/users", json={"email": "x@example.com", "password": GOOD_PASSWORD, **field}
    )
    assert response.status_code == 403
    assert user_count(db_session) == before


def test_user_setting_role_gets_403(
    client: TestClient, user: User, login_as: Callable[[User], Tokens]
) -> None:
    response = client.post(
        "/api/users",
        json={"email": "x@example.com", "password": GOOD_PASSWORD, "role": "admin"},
        headers=login_as(user).headers,
    )
    assert response.status_code == 403


def test_admin_creates_admin_and_inactive_user(
    client: TestClient, admin: User, login_as: Callable[[User], Tokens]
) -> None:
    headers = login_as(admin).headers
    response = client.post(
        "/api/users",
        json={"email": "boss@example.com", "password": GOOD_PASSWORD, "role": "admin"},
        headers=headers,
    )
    assert response.status_code == 201
    assert response.json()["role"] == "admin"
    response = client.post(
        "/api/users",
        json={"email": "off@example.com", "password": GOOD_PASSWORD, "is_active": False},
        headers=headers,
    )
    assert response.status_code == 201
    assert response.json()["is_active"] is False


def test_invalid_token_on_sign_up_is_401_not_anonymous(client: TestClient) -> None:
    response = client.post(
        "/api/users",
        json={"email": "x@example.com", "password": GOOD_PASSWORD},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


class TestClosedRegistration:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"registration_open": False})

    def test_anonymous_gets_401(self, client: TestClient) -> None:
        response = client.post(
            "/api/users", json={"email": "x@example.com", "password": GOOD_PASSWORD}
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

    def test_user_gets_403(
        self, client: TestClient, user: User, login_as: Callable[[User], Tokens]
    ) -> None:
        response = client.post(
            "/api/users",
            json={"email": "x@example.com", "password": GOOD_PASSWORD},
            headers=login_as(user).headers,
        )
        assert response.status_code == 403

    def test_admin_still_creates(
        self, client: TestClient, admin: User, login_as: Callable[[User], Tokens]
    ) -> None:
        response = client.post(
            "/api/users",
            json={"email": "x@example.com", "password": GOOD_PASSWORD},
            headers=login_as(admin).headers,
        )
        assert response.status_code == 201


# --- the handler alone ------------------------------------------------------------------------


def test_handler_creates_user(db_session: Session, settings: Settings) -> None:
    created = handler.handle(
        CreateUserRequest(email="h@example.com", password=GOOD_PASSWORD),
        session=db_session,
        caller=None,
        settings=settings,
    )
    assert created.id > 0
    assert db_session.get(User, created.id) is not None


def test_handler_refuses_duplicate(db_session: Session, settings: Settings) -> None:
    UserFactory.create(email="dup@example.com")
    with pytest.raises(EmailTakenError):
        handler.handle(
            CreateUserRequest(email="DUP@example.com", password=GOOD_PASSWORD),
            session=db_session,
            caller=None,
            settings=settings,
        )


def test_handler_refuses_weak_and_admin_fields(db_session: Session, settings: Settings) -> None:
    with pytest.raises(WeakPasswordError):
        handler.handle(
            CreateUserRequest(email="w@example.com", password="12345678"),
            session=db_session,
            caller=None,
            settings=settings,
        )
    with pytest.raises(ForbiddenError):
        handler.handle(
            CreateUserRequest(email="w@example.com", password=DEFAULT_PASSWORD, role="user"),
            session=db_session,
            caller=None,
            settings=settings,
        )
    closed = settings.model_copy(update={"registration_open": False})
    with pytest.raises(UnauthorizedError):
        handler.handle(
            CreateUserRequest(email="w@example.com", password=DEFAULT_PASSWORD),
            session=db_session,
            caller=None,
            settings=closed,
        )
