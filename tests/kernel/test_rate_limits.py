"""Rate limits: the limiter alone, client IPs through trusted proxies, the 429 over HTTP,
and counts shared through a real Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db.models import User
from shared.errors import RateLimitedError
from shared.ratelimit.limiter import FailureCounter, RateLimiter
from tests.fixtures import app_for, make_settings

REDIS_URL = "redis://127.0.0.1:6379/15"
GOOD_PASSWORD = "a perfectly fine passphrase"


def limiter_for(tmp_path: Path, **overrides: Any) -> RateLimiter:
    return RateLimiter(make_settings(tmp_path, rate_limit_enabled=True, **overrides))


def sign_up(client: TestClient, n: int, **headers: str) -> Any:
    body = {"email": f"u{n}@example.com", "password": GOOD_PASSWORD}
    return client.post("/api/users", json=body, headers=headers)


# --- the limiter alone ------------------------------------------------------------------------


def test_hits_within_limit_pass_and_the_next_is_refused(tmp_path: Path) -> None:
    limiter = limiter_for(tmp_path, rate_limit_refresh="3/minute")
    remaining = [limiter.hit("refresh", "1.2.3.4") for _ in range(3)]
    assert [quota.remaining for quota in remaining if quota] == [2, 1, 0]
    with pytest.raises(RateLimitedError) as refused:
        limiter.hit("refresh", "1.2.3.4")
    headers = refused.value.headers
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert headers["RateLimit-Limit"] == "3"
    assert headers["RateLimit-Remaining"] == "0"
    assert headers["RateLimit-Reset"] == headers["Retry-After"]


def test_counts_are_per_identifier_and_per_limit(tmp_path: Path) -> None:
    limiter = limiter_for(tmp_path, rate_limit_refresh="1/minute", rate_limit_register="1/minute")
    limiter.hit("refresh", "1.2.3.4")
    limiter.hit("refresh", "5.6.7.8")
    limiter.hit("register", "1.2.3.4")
    with pytest.raises(RateLimitedError):
        limiter.hit("refresh", "1.2.3.4")


def test_several_limits_in_one_setting_all_apply(tmp_path: Path) -> None:
    limiter = limiter_for(tmp_path, rate_limit_refresh="5/minute;2/hour")
    limiter.hit("refresh", "ip")
    limiter.hit("refresh", "ip")
    with pytest.raises(RateLimitedError) as refused:
        limiter.hit("refresh", "ip")
    assert refused.value.headers["RateLimit-Limit"] == "2"


def test_disabled_limiter_never_refuses(tmp_path: Path) -> None:
    limiter = RateLimiter(make_settings(tmp_path, rate_limit_refresh="1/minute"))
    for _ in range(5):
        assert limiter.hit("refresh", "ip") is None


def test_failure_counter_refuses_after_the_limit_even_before_a_password_check(
    tmp_path: Path,
) -> None:
    failures = FailureCounter(limiter_for(tmp_path, rate_limit_login_failures="3/15minutes"))
    for _ in range(3):
        failures.reserve("ada@example.com")
    with pytest.raises(RateLimitedError):
        failures.reserve("ada@example.com")
    failures.reserve("bob@example.com")


def test_failure_counter_reset_forgets_failures(tmp_path: Path) -> None:
    failures = FailureCounter(limiter_for(tmp_path, rate_limit_login_failures="1/15minutes"))
    failures.reserve("ada@example.com")
    failures.reset("ada@example.com")
    failures.reserve("ada@example.com")


def test_unreachable_storage_lets_requests_through(tmp_path: Path) -> None:
    # Fail open, by design: a Redis outage must not lock every user out of login.
    limiter = limiter_for(
        tmp_path, rate_limit_refresh="1/minute", rate_limit_storage_url="redis://127.0.0.1:1/0"
    )
    assert limiter.hit("refresh", "ip") is None
    assert limiter.hit("refresh", "ip") is None


# --- client IPs -----------------------------------------------------------------------------


def scope(peer: str | None, *forwarded: str) -> dict[str, Any]:
    return {
        "type": "http",
        "client": (peer, 1234) if peer else None,
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
    }


@pytest.mark.parametrize(
    ("trusted", "request_scope", "expected"),
    [
        ("", scope("203.0.113.9", "1.1.1.1"), "203.0.113.9"),
        ("", scope("127.0.0.1", "1.1.1.1"), "127.0.0.1"),
        ("10.0.0.0/8", scope("203.0.113.9", "1.1.1.1"), "203.0.113.9"),
        ("10.0.0.0/8", scope("10.0.0.2", "198.51.100.7"), "198.51.100.7"),
        # The client's own prefix is left of the address the proxy saw, and is ignored.
        ("10.0.0.0/8", scope("10.0.0.2", "1.1.1.1, 198.51.100.7"), "198.51.100.7"),
        ("10.0.0.0/8", scope("10.0.0.2", "1.1.1.1", "198.51.100.7"), "198.51.100.7"),
        ("10.0.0.0/8", scope("10.0.0.2", "1.1.1.1, 198.51.100.7, 10.0.0.5"), "198.51.100.7"),
        ("10.0.0.0/8", scope("10.0.0.2", "not-an-ip, 10.0.0.9"), "10.0.0.9"),
        ("10.0.0.0/8", scope("10.0.0.2"), "10.0.0.2"),
        ("10.0.0.1", scope("10.0.0.2", "1.1.1.1"), "10.0.0.2"),
        ("::1", scope("::1", "2001:db8::1"), "2001:db8::/64"),
        ("", scope("2001:db8::1:2:3:4"), "2001:db8::/64"),
        ("", scope("::ffff:192.0.2.1"), "192.0.2.1"),
        ("", scope(None), "unknown"),
        ("", scope("testclient"), "unknown"),
    ],
)
def test_client_ip(
    tmp_path: Path, trusted: str, request_scope: dict[str, Any], expected: str
) -> None:
    limiter = RateLimiter(make_settings(tmp_path, trusted_proxies=trusted))
    assert limiter.client_ip(request_scope) == expected


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("rate_limit_login", "lots"),
        ("rate_limit_login_failures", "0/minute"),
        ("rate_limit_register", "-1/minute"),
        ("rate_limit_refresh", "10 per fortnight"),
        ("rate_limit_storage_url", "nonsense"),
        ("rate_limit_storage_url", "ftp://host"),
        ("rate_limit_storage_url", "async+redis://127.0.0.1:6379"),
        ("rate_limit_storage_url", "redis://127.0.0.1:port/0"),
        ("rate_limit_storage_url", "redis://127.0.0.1:6379/zero"),
        ("trusted_proxies", "10.0.0.0/8, proxy.example.com"),
        ("log_format", "xml"),
        ("log_level", "CHATTY"),
    ],
)
def test_malformed_setting_stops_start_up_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, value: str
) -> None:
    monkeypatch.setenv(setting.upper(), value)
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    assert setting in str(refused.value).lower()


def test_storage_url_error_does_not_echo_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_STORAGE_URL", "redis://:hunter2-secret@host:port/0")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    assert "hunter2" not in str(refused.value)


def test_limit_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_LOGIN", "3/minute")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")
    settings = Settings(_env_file=None)
    assert settings.rate_limit_login == "3/minute"
    assert [str(network) for network in settings.trusted_proxies] == [
        "10.0.0.1/32",
        "192.168.0.0/16",
    ]


def test_defaults_are_documented_values() -> None:
    settings = Settings(_env_file=None)
    assert settings.rate_limit_storage_url == "memory://"
    assert settings.rate_limit_login == "10/minute"
    assert settings.rate_limit_login_failures == "20/15minutes"
    assert settings.rate_limit_register == "5/minute;50/hour"
    assert settings.rate_limit_refresh == "60/minute"
    assert settings.trusted_proxies == []


# --- over HTTP ------------------------------------------------------------------------------


class TestRegistrationLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={
                "rate_limit_enabled": True,
                "rate_limit_register": "2/minute",
            }
        )

    def test_successful_sign_up_reports_quota(self, client: TestClient) -> None:
        response = sign_up(client, 1)
        assert response.status_code == 201
        assert response.headers["ratelimit-limit"] == "2"
        assert response.headers["ratelimit-remaining"] == "1"
        assert 0 <= int(response.headers["ratelimit-reset"]) <= 60

    def test_over_the_limit_is_429_problem_and_creates_nothing(
        self, client: TestClient, db_session: Session
    ) -> None:
        assert sign_up(client, 1).status_code == 201
        assert sign_up(client, 2).status_code == 201
        response = sign_up(client, 3)
        assert response.status_code == 429
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "rate_limited"
        assert 1 <= int(response.headers["retry-after"]) <= 60
        assert response.headers["ratelimit-remaining"] == "0"
        assert db_session.scalar(select(User).where(User.email_key == "u3@example.com")) is None

    def test_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(
        self, client: TestClient
    ) -> None:
        for n in range(2):
            sign_up(client, n, **{"X-Forwarded-For": f"198.51.100.{n}"})
        response = sign_up(client, 9, **{"X-Forwarded-For": "198.51.100.99"})
        assert response.status_code == 429

    def test_429_is_declared_in_openapi(self, client: TestClient) -> None:
        operation = client.get("/openapi.json").json()["paths"]["/api/users"]["post"]
        assert "429" in operation["responses"]


def test_limits_are_off_when_disabled(client: TestClient) -> None:
    # The test settings disable limits; the production default enables them.
    for n in range(8):
        assert sign_up(client, n).status_code == 201


# --- Redis ----------------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> Iterator[str]:
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        connection.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis answers at {REDIS_URL}: {exc}")
    yield REDIS_URL
    connection.close()


@pytest.mark.redis
def test_redis_shares_counts_between_limiters(tmp_path: Path, redis_url: str) -> None:
    # Two limiters are two workers (or hosts): the second sees what the first counted.
    client_ip = f"test-{uuid.uuid4().hex}"
    first = limiter_for(tmp_path, rate_limit_storage_url=redis_url, rate_limit_refresh="2/minute")
    second = limiter_for(tmp_path, rate_limit_storage_url=redis_url, rate_limit_refresh="2/minute")
    first.hit("refresh", client_ip)
    quota = second.hit("refresh", client_ip)
    assert quota is not None
    assert quota.remaining == 0
    with pytest.raises(RateLimitedError):
        first.hit("refresh", client_ip)
    second.reset("refresh", client_ip)
    first.hit("refresh", client_ip)


@pytest.mark.redis
def test_redis_backed_app_refuses_over_the_limit(
    settings: Settings, connection: Connection, db_session: Session, redis_url: str
) -> None:
    limited = settings.model_copy(
        update={
            "rate_limit_enabled": True,
            "rate_limit_storage_url": redis_url,
            "rate_limit_register": "1/minute",
        }
    )
    apps: list[FastAPI] = [app_for(limited, connection) for _ in range(2)]
    ip = f"192.0.2.{uuid.uuid4().int % 250 + 1}"
    for app in apps:
        app.state.rate_limiter.reset("register", ip)
    with TestClient(apps[0], client=(ip, 1)) as first:
        assert sign_up(first, 1).status_code == 201
    with TestClient(apps[1], client=(ip, 1)) as second:
        assert sign_up(second, 2).status_code == 429
    apps[0].state.rate_limiter.reset("register", ip)


@pytest.mark.redis
def test_redis_keys_do_not_hold_the_email(tmp_path: Path, redis_url: str) -> None:
    email = f"{uuid.uuid4().hex}@example.com"
    limiter = limiter_for(tmp_path, rate_limit_storage_url=redis_url)
    limiter.hit("login", "192.0.2.1", email)
    connection = redis.Redis.from_url(redis_url)
    keys = [key.decode() for key in connection.scan_iter("*")]
    assert any("/authservice/" in key for key in keys)
    assert not any(email in key for key in keys)
    limiter.reset("login", "192.0.2.1", email)
