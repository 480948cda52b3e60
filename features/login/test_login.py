"""POST /api/auth/login."""

import statistics
import time
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from features.login import handler
from features.login.errors import AccountDisabledError, UnknownEmailError, WrongPasswordError
from features.login.schemas import LoginRequest
from main import create_app
from shared.audit.events import RequestContext
from shared.config import Settings
from shared.db.models import AuthSession, User, utcnow
from shared.ratelimit.limiter import FailureCounter, RateLimiter
from shared.security.access_tokens import TokenSettings, decode_access_token
from shared.security.passwords import hash_password, hash_rounds, verify_password
from shared.security.refresh_tokens import new_refresh_key, new_session_id, parse_refresh_token
from tests.factories import DEFAULT_PASSWORD, TEST_BCRYPT_ROUNDS, UserFactory

URL = "/api/auth/login"


def session_count(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(AuthSession)) or 0


def swagger_form(username: str, password: str) -> dict[str, str]:
    """What Swagger UI's Authorize dialog posts with no client credentials filled in."""
    return {
        "grant_type": "password",
        "username": username,
        "password": password,
        "scope": "",
        "client_id": "",
        "client_secret": "",
    }


def test_json_login_returns_token_pair_not_cached(
    client: TestClient, db_session: Session, settings: Settings
) -> None:
    user = UserFactory.create()
    response = client.post(URL, json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.access_token_ttl.total_seconds()
    assert body["refresh_expires_in"] == pytest.approx(
        settings.refresh_token_ttl.total_seconds(), abs=2
    )
    token_settings: TokenSettings = client.app.state.token_settings  # type: ignore[attr-defined]
    claims = decode_access_token(body["access_token"], settings=token_settings)
    assert claims.user_id == user.id
    refresh = parse_refresh_token(body["refresh_token"])
    assert refresh is not None
    assert refresh.session_id == claims.session_id
    stored = db_session.get(AuthSession, claims.session_id)
    assert stored is not None
    assert stored.user_id == user.id
    assert stored.revoked_at is None
    assert stored.expires_at - stored.created_at == settings.refresh_token_ttl


def test_each_login_is_a_new_session(client: TestClient, db_session: Session) -> None:
    user = UserFactory.create()
    credentials = {"email": user.email, "password": DEFAULT_PASSWORD}
    first = client.post(URL, json=credentials).json()
    second = client.post(URL, json=credentials).json()
    assert first["refresh_token"] != second["refresh_token"]
    assert session_count(db_session) == 2


@pytest.mark.parametrize("authorization", [None, "Basic ", "Basic Og=="])
def test_swagger_password_form_logs_in(
    client: TestClient, db_session: Session, authorization: str | None
) -> None:
    user = UserFactory.create()
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.post(URL, data=swagger_form(user.email, DEFAULT_PASSWORD), headers=headers)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["token_type"] == "bearer"
    assert session_count(db_session) == 1


def test_minimal_form_logs_in(client: TestClient) -> None:
    user = UserFactory.create()
    response = client.post(URL, data={"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


def test_form_with_wrong_password_is_401(client: TestClient) -> None:
    user = UserFactory.create()
    response = client.post(URL, data=swagger_form(user.email, "not the password"))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    "form",
    [
        {"username": "a@example.com"},
        {"password": DEFAULT_PASSWORD},
        {"username": "a@example.com", "password": DEFAULT_PASSWORD, "role": "admin"},
    ],
)
def test_invalid_form_is_422(client: TestClient, db_session: Session, form: dict[str, str]) -> None:
    UserFactory.create(email="a@example.com")
    response = client.post(URL, data=form)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"][0] == "body"
    assert response.json()["error"] == "invalid_request"
    assert DEFAULT_PASSWORD not in response.text
    assert session_count(db_session) == 0


@pytest.mark.parametrize("grant_type", ["client_credentials", "authorization_code", "PASSWORD"])
def test_unknown_grant_type_is_400_unsupported_grant_type(
    client: TestClient, db_session: Session, grant_type: str
) -> None:
    user = UserFactory.create()
    form = {"username": user.email, "password": DEFAULT_PASSWORD, "grant_type": grant_type}
    response = client.post(URL, data=form)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == body["error"] == "unsupported_grant_type"
    assert session_count(db_session) == 0


def test_wrong_password_carries_the_oauth2_error(client: TestClient) -> None:
    user = UserFactory.create()
    response = client.post(URL, data=swagger_form(user.email, "not the password"))
    assert response.json()["error"] == "invalid_grant"


def test_refresh_grant_rotates_like_the_refresh_route(
    client: TestClient, db_session: Session
) -> None:
    user = UserFactory.create()
    first = client.post(URL, data=swagger_form(user.email, DEFAULT_PASSWORD)).json()
    grant = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    response = client.post(URL, data=grant)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["token_type"] == "bearer"
    assert session_count(db_session) == 1
    # The successor works; the spent token, past the grace period, is reuse and ends it all.
    db_session.execute(update(AuthSession).values(rotated_at=utcnow() - timedelta(minutes=5)))
    db_session.commit()
    reused = client.post(URL, data=grant)
    assert reused.status_code == 401
    assert reused.json()["code"] == "refresh_token_reused"
    assert reused.json()["error"] == "invalid_grant"
    again = {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    assert client.post(URL, data=again).json()["error"] == "invalid_grant"


@pytest.mark.parametrize("token", ["garbage", "rt1.x.0.y", ""])
def test_refresh_grant_with_a_bad_token_is_invalid_grant(client: TestClient, token: str) -> None:
    response = client.post(URL, data={"grant_type": "refresh_token", "refresh_token": token})
    assert response.status_code in (401, 422)
    assert response.json()["error"] in ("invalid_grant", "invalid_request")


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a@example.com"},
        {"email": 5, "password": DEFAULT_PASSWORD},
        {"email": "a@example.com", "password": ""},
        {"email": "a@example.com", "password": DEFAULT_PASSWORD, "extra": 1},
        [],
        "text",
    ],
)
def test_invalid_json_body_is_422(client: TestClient, db_session: Session, body: object) -> None:
    UserFactory.create(email="a@example.com")
    response = client.post(URL, json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert DEFAULT_PASSWORD not in response.text
    assert session_count(db_session) == 0


@pytest.mark.parametrize("raw", [b"{", b"", b'{"email": "a@example.com",}', b"\xff\xfe"])
def test_malformed_json_is_400(client: TestClient, db_session: Session, raw: bytes) -> None:
    response = client.post(URL, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "malformed_json"
    assert session_count(db_session) == 0


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/xml", "multipart/form-data; boundary=x"]
)
def test_other_content_types_are_415(
    client: TestClient, db_session: Session, content_type: str | None
) -> None:
    user = UserFactory.create()
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(
        URL, content=f'{{"email": "{user.email}", "password": "x"}}', headers=headers
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unsupported_media_type"
    assert session_count(db_session) == 0


def test_json_with_charset_parameter_is_accepted(client: TestClient) -> None:
    user = UserFactory.create()
    response = client.post(
        URL,
        content=f'{{"email": "{user.email}", "password": "{DEFAULT_PASSWORD}"}}',
        headers={"Content-Type": "Application/JSON; charset=utf-8"},
    )
    assert response.status_code == 200


def test_unknown_email_and_wrong_password_answer_the_same(
    client: TestClient, db_session: Session
) -> None:
    user = UserFactory.create()
    wrong = client.post(URL, json={"email": user.email, "password": "not the password"})
    unknown = client.post(URL, json={"email": "nobody@example.com", "password": "whatever1"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"

    def without_request_id(body: dict[str, object]) -> dict[str, object]:
        return {key: value for key, value in body.items() if key != "request_id"}

    assert without_request_id(wrong.json()) == without_request_id(unknown.json())
    assert wrong.json()["code"] == "invalid_credentials"
    assert session_count(db_session) == 0


@pytest.mark.parametrize("typed", ["ADA@EXAMPLE.COM", "ada@example.com", "  Ada@example.COM "])
def test_email_matches_case_insensitively(client: TestClient, typed: str) -> None:
    UserFactory.create(email="Ada@Example.com")
    response = client.post(URL, json={"email": typed, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


def test_disabled_account_with_right_password_is_403(
    client: TestClient, db_session: Session
) -> None:
    user = UserFactory.create(is_active=False)
    response = client.post(URL, json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 403
    assert response.json()["code"] == "account_disabled"
    assert session_count(db_session) == 0


def test_disabled_account_with_wrong_password_is_401(client: TestClient) -> None:
    user = UserFactory.create(is_active=False)
    response = client.post(URL, json={"email": user.email, "password": "not the password"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_password_is_normalized_like_at_sign_up(client: TestClient) -> None:
    # NFKC: the ligature "ﬁ" is "fi", as it was when the hash was made.
    user = UserFactory.create(password="a-ﬁne-passphrase")
    response = client.post(URL, json={"email": user.email, "password": "a-fine-passphrase"})
    assert response.status_code == 200


def test_expired_sessions_are_purged_at_login(client: TestClient, db_session: Session) -> None:
    user = UserFactory.create()
    now = utcnow()
    for expires_at in (now - timedelta(days=1), now - timedelta(seconds=1), now + timedelta(1)):
        db_session.add(
            AuthSession(
                id=new_session_id(),
                user_id=user.id,
                refresh_key=new_refresh_key(),
                created_at=now - timedelta(days=8),
                expires_at=expires_at,
            )
        )
    db_session.commit()
    response = client.post(URL, json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    remaining = db_session.scalars(select(AuthSession.expires_at)).all()
    assert len(remaining) == 2
    assert all(expires_at > now for expires_at in remaining)


def test_purge_is_bounded_per_login(
    client: TestClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handler, "PURGE_BATCH", 2)
    user = UserFactory.create()
    now = utcnow()
    db_session.add_all(
        AuthSession(
            id=new_session_id(),
            user_id=user.id,
            refresh_key=new_refresh_key(),
            expires_at=now - timedelta(minutes=1),
        )
        for _ in range(3)
    )
    db_session.commit()
    client.post(URL, json={"email": user.email, "password": DEFAULT_PASSWORD})
    expired = db_session.scalar(
        select(func.count()).select_from(AuthSession).where(AuthSession.expires_at <= now)
    )
    assert expired == 1


def test_openapi_declares_both_bodies_and_the_password_flow(settings: Settings) -> None:
    # The whole app: the security scheme appears once a protected slice is mounted too.
    document = TestClient(create_app(settings)).get("/openapi.json").json()
    operation = document["paths"][URL]["post"]
    content = operation["requestBody"]["content"]
    assert content["application/json"]["schema"]["additionalProperties"] is False
    assert set(content["application/json"]["schema"]["required"]) == {"email", "password"}
    password_grant, refresh_grant = content["application/x-www-form-urlencoded"]["schema"]["oneOf"]
    assert {"grant_type", "refresh_token"} <= set(refresh_grant["properties"])
    form = password_grant
    assert {"username", "password", "grant_type", "scope", "client_id"} <= set(form["properties"])
    assert {"401", "403", "415", "422"} <= set(operation["responses"])
    schemes = document["components"]["securitySchemes"].values()
    assert any(scheme["flows"]["password"]["tokenUrl"] == URL for scheme in schemes)


class TestCostUpgrade:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"bcrypt_rounds": TEST_BCRYPT_ROUNDS + 1})

    def test_hash_of_another_cost_is_rehashed_at_login(
        self, client: TestClient, db_session: Session
    ) -> None:
        user = UserFactory.create()
        version, updated_at = user.version, user.updated_at
        response = client.post(URL, json={"email": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 200
        db_session.refresh(user)
        assert hash_rounds(user.hashed_password) == TEST_BCRYPT_ROUNDS + 1
        assert verify_password(DEFAULT_PASSWORD, user.hashed_password)
        # The same password at another cost is no change a client can see.
        assert (user.version, user.updated_at) == (version, updated_at)
        again = client.post(URL, json={"email": user.email, "password": DEFAULT_PASSWORD})
        assert again.status_code == 200

    def test_failed_login_does_not_rehash(self, client: TestClient, db_session: Session) -> None:
        user = UserFactory.create()
        before = user.hashed_password
        client.post(URL, json={"email": user.email, "password": "not the password"})
        db_session.refresh(user)
        assert user.hashed_password == before

    def test_disabled_account_is_not_rehashed(
        self, client: TestClient, db_session: Session
    ) -> None:
        user = UserFactory.create(is_active=False)
        before = user.hashed_password
        client.post(URL, json={"email": user.email, "password": DEFAULT_PASSWORD})
        db_session.refresh(user)
        assert user.hashed_password == before


def test_hash_of_the_configured_cost_is_kept(client: TestClient, db_session: Session) -> None:
    user = UserFactory.create()
    before = user.hashed_password
    client.post(URL, json={"email": user.email, "password": DEFAULT_PASSWORD})
    db_session.refresh(user)
    assert user.hashed_password == before


@pytest.mark.serial
class TestTiming:
    ROUNDS = 10  # hashing dominates the request at this cost, so a skipped hash would show

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"bcrypt_rounds": self.ROUNDS})

    def test_unknown_email_takes_as_long_as_wrong_password(self, client: TestClient) -> None:
        user = UserFactory.create(
            hashed_password=hash_password(DEFAULT_PASSWORD, rounds=self.ROUNDS)
        )
        attempts = {
            "unknown": {"email": "nobody@example.com", "password": "Wrong-Password-1"},
            "wrong": {"email": user.email, "password": "Wrong-Password-1"},
        }
        durations: dict[str, list[float]] = {name: [] for name in attempts}
        for _ in range(15):
            # Interleaved, so load from elsewhere on the machine hits both alike.
            for name, body in attempts.items():
                started = time.perf_counter()
                response = client.post(URL, json=body)
                durations[name].append(time.perf_counter() - started)
                assert response.status_code == 401
        unknown = statistics.median(durations["unknown"])
        wrong = statistics.median(durations["wrong"])
        assert abs(unknown - wrong) <= 0.2 * max(unknown, wrong), (unknown, wrong)


# --- the handler alone ------------------------------------------------------------------------


def login(db_session: Session, settings: Settings, email: str, password: str) -> None:
    handler.handle(
        LoginRequest(email=email, password=password),
        read_session=db_session,
        write_session=db_session,
        settings=settings,
        token_settings=TokenSettings(
            secret="x" * 32,
            issuer="i",
            audience="a",
            algorithm="HS256",
            access_ttl=timedelta(minutes=1),
        ),
        failures=FailureCounter(RateLimiter(settings)),
        context=RequestContext(ip="203.0.113.9", user_agent="handler-test", request_id="r-1"),
    )


def test_handler_tells_refusals_apart(db_session: Session, settings: Settings) -> None:
    active = UserFactory.create()
    disabled = UserFactory.create(is_active=False)
    with pytest.raises(UnknownEmailError):
        login(db_session, settings, "nobody@example.com", DEFAULT_PASSWORD)
    with pytest.raises(WrongPasswordError):
        login(db_session, settings, active.email, "not the password")
    with pytest.raises(AccountDisabledError):
        login(db_session, settings, disabled.email, DEFAULT_PASSWORD)
    assert session_count(db_session) == 0
    login(db_session, settings, active.email, DEFAULT_PASSWORD)
    assert session_count(db_session) == 1


def test_user_table_unchanged_by_refused_logins(client: TestClient, db_session: Session) -> None:
    user = UserFactory.create()
    before = db_session.execute(select(User.hashed_password, User.version)).all()
    client.post(URL, json={"email": user.email, "password": "nope-nope-nope"})
    client.post(URL, content=b"{", headers={"Content-Type": "application/json"})
    assert db_session.execute(select(User.hashed_password, User.version)).all() == before


@pytest.mark.parametrize("stored", ["", "not-a-hash", "$2b$04$" + "é" * 53])
def test_unreadable_stored_hash_is_a_refusal_not_a_500(
    client: TestClient, db_session: Session, stored: str
) -> None:
    user = UserFactory.create(hashed_password=stored)
    response = client.post(URL, json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 401
    assert session_count(db_session) == 0


# --- rate limits --------------------------------------------------------------------------------


class TestRateLimits:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={
                "rate_limit_enabled": True,
                "rate_limit_login": "3/minute",
                "rate_limit_login_failures": "2/15minutes",
            }
        )

    def from_ip(self, app: FastAPI, ip: str) -> TestClient:
        return TestClient(app, client=(ip, 40000), raise_server_exceptions=False)

    def test_per_ip_and_email_limit_refuses_even_the_right_password(
        self, app: FastAPI, user: User
    ) -> None:
        body = {"email": user.email, "password": DEFAULT_PASSWORD}
        with self.from_ip(app, "198.51.100.7") as client:
            statuses = [client.post(URL, json=body).status_code for _ in range(4)]
            refused = client.post(URL, json=body)
        assert statuses == [200, 200, 200, 429]
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "rate_limited"
        assert int(refused.headers["retry-after"]) > 0
        assert refused.headers["ratelimit-remaining"] == "0"
        assert "access_token" not in refused.text
        # Another address is counted apart.
        with self.from_ip(app, "198.51.100.8") as other:
            assert other.post(URL, json=body).status_code == 200

    def test_failures_per_account_are_counted_across_addresses(
        self, app: FastAPI, user: User
    ) -> None:
        wrong = {"email": user.email, "password": "not the password at all"}
        right = {"email": user.email.upper(), "password": DEFAULT_PASSWORD}
        for ip in ("203.0.113.1", "203.0.113.2"):
            with self.from_ip(app, ip) as client:
                assert client.post(URL, json=wrong).status_code == 401
        # A third address, the right password: the account has failed too often lately.
        with self.from_ip(app, "203.0.113.3") as client:
            refused = client.post(URL, json=right)
        assert refused.status_code == 429
        assert "retry-after" in refused.headers

    def test_unknown_emails_are_limited_like_known_ones(self, app: FastAPI) -> None:
        body = {"email": "nobody@example.com", "password": "not the password at all"}
        with self.from_ip(app, "192.0.2.10") as client:
            statuses = [client.post(URL, json=body).status_code for _ in range(3)]
        assert statuses == [401, 401, 429]

    def test_a_success_forgets_earlier_failures(self, app: FastAPI, user: User) -> None:
        with self.from_ip(app, "192.0.2.20") as client:
            wrong = {"email": user.email, "password": "not the password at all"}
            assert client.post(URL, json=wrong).status_code == 401
            ok = client.post(URL, json={"email": user.email, "password": DEFAULT_PASSWORD})
            assert ok.status_code == 200
        with self.from_ip(app, "192.0.2.21") as client:
            assert client.post(URL, json=wrong).status_code == 401
            assert client.post(URL, json=wrong).status_code == 401
