"""Logs: one structured line per request, security events as their own lines, JSON on demand,
and never a password, token, hash or secret in any of them."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db.models import User
from shared.errors import RateLimitedError
from shared.http.middleware import RequestContextMiddleware
from shared.observability.logs import (
    REDACTED,
    JsonFormatter,
    RequestContextFilter,
    ServiceLogHandler,
    TextFormatter,
    bind_request,
    configure_logging,
    log_access,
    log_config,
    security_event,
    unbind_request,
    utc_timestamp,
)
from shared.ratelimit.limiter import RateLimiter
from tests.fixtures import REPO_ROOT, TEST_SECRET, Tokens, make_settings

PASSWORD = "Sign-up passphrase 4 logs"
ADMIN_SET_PASSWORD = "Admin-chosen passphrase 9"


def formatted(records: list[logging.LogRecord]) -> str:
    lines = []
    for record in records:
        lines.append(JsonFormatter().format(record))
        lines.append(TextFormatter().format(record))
        lines.append(repr(vars(record)))
    return "\n".join(lines)


def access_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "authservice.access"]


def test_full_flow_logs_no_secret(
    client: TestClient,
    db_session: Session,
    admin: User,
    login_as: Callable[[User], Tokens],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = login_as(admin)
    client.post("/api/users", json={"email": "ada@example.com", "password": PASSWORD})
    client.post("/api/users", json={"email": "ada@example.com", "password": PASSWORD})
    client.post("/api/users", json={"email": "weak@example.com", "password": "password"})
    client.post("/api/users", json={"email": "x@example.com", "password": PASSWORD, "id": 1})
    client.post(
        "/api/users",
        json={"email": "bob@example.com", "password": ADMIN_SET_PASSWORD, "role": "admin"},
        headers=tokens.headers,
    )
    client.post("/api/users", content=b'{"password": "' + PASSWORD.encode() + b'"')
    client.get("/api/users/me", headers=tokens.headers)
    client.get("/health", headers={"Authorization": "Bearer " + tokens.access_token + "x"})

    stored = db_session.scalars(select(User.hashed_password)).all()
    text = formatted(caplog.records)
    assert len(access_lines(caplog)) == 8
    for secret in [PASSWORD, ADMIN_SET_PASSWORD, tokens.access_token, TEST_SECRET, *stored]:
        assert secret not in text


def test_one_access_line_per_request_with_its_fields(
    client: TestClient,
    user: User,
    login_as: Callable[[User], Tokens],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="authservice")
    tokens = login_as(user)
    client.post(
        "/api/users?email=secret-query",
        json={"email": "c@example.com", "password": PASSWORD},
        headers={"X-Request-ID": "req-42", **tokens.headers},
    )
    [line] = access_lines(caplog)
    fields = json.loads(JsonFormatter().format(line))
    assert fields["request_id"] == "req-42"
    assert fields["method"] == "POST"
    assert fields["path"] == "/api/users"
    assert fields["status"] == 201
    assert fields["duration_ms"] >= 0
    assert fields["user_id"] == user.id
    assert "secret-query" not in json.dumps(fields)


def test_anonymous_and_refused_requests_are_logged_too(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="authservice")
    client.get("/nowhere")
    client.post("/api/users", content=b"x" * 70_000)
    statuses = [(r.status, r.user_id) for r in access_lines(caplog)]  # type: ignore[attr-defined]
    assert statuses == [(404, None), (413, None)]


def test_crash_is_logged_with_its_request_id(caplog: pytest.LogCaptureFixture) -> None:
    # The unhandled-error line and the access line agree on the request id.
    app = FastAPI()

    @app.get("/boom")
    def boom() -> None:
        raise ValueError("kaput")

    app.add_middleware(RequestContextMiddleware, max_body_bytes=100)
    caplog.set_level(logging.INFO, logger="authservice")
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"X-Request-ID": "crash-1"})
    assert response.status_code == 500
    error = next(r for r in caplog.records if r.name == "authservice.errors")
    assert error.request_id == "crash-1"  # type: ignore[attr-defined]
    assert access_lines(caplog)[0].status == 500  # type: ignore[attr-defined]


def test_security_event_is_its_own_line_and_redacts_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="authservice")
    security_event(
        "login_failed",
        user_id=7,
        password="hunter2",
        refresh_token="rt-123",
        hashed_password="$2b$04$abc",
        client_secret="s3",
    )
    [record] = caplog.records
    assert record.name == "authservice.security"
    fields = json.loads(JsonFormatter().format(record))
    assert fields["event"] == "login_failed"
    assert fields["user_id"] == 7
    assert fields["password"] == REDACTED
    text = formatted([record])
    for secret in ["hunter2", "rt-123", "$2b$04$abc", "s3,"]:
        assert secret not in text


def test_rate_limit_hit_is_a_security_event(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RateLimiter(
        make_settings(tmp_path, rate_limit_enabled=True, rate_limit_refresh="1/minute")
    )
    caplog.set_level(logging.INFO, logger="authservice")
    limiter.hit("refresh", "192.0.2.1")
    with pytest.raises(RateLimitedError):
        limiter.hit("refresh", "192.0.2.1")
    [event] = [r for r in caplog.records if r.name == "authservice.security"]
    assert event.event == "rate_limited"  # type: ignore[attr-defined]
    assert event.limit == "refresh"  # type: ignore[attr-defined]


def test_json_format_writes_one_json_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(log_format="json", level="INFO")
    try:
        security_event("logout", user_id=3, session_id="s-1")
        logging.getLogger("authservice.access").debug("below the level")
        lines = capsys.readouterr().err.strip().splitlines()
    finally:
        configure_logging(log_format="text", level="INFO")
    [line] = lines
    parsed = json.loads(line)
    assert parsed["event"] == "logout"
    assert parsed["level"] == "info"
    assert parsed["time"].endswith("Z")


def test_the_access_line_is_the_same_written_directly_or_through_a_record(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = {"method": "GET", "path": "/api/x\n", "status": 200, "duration_ms": 1.5}
    access = logging.getLogger("authservice.access")
    refuses_every_access_line = logging.Filter("another.logger")
    records: list[logging.LogRecord] = []
    make_record = access.makeRecord

    def counted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        records.append(make_record(*args, **kwargs))
        return records[-1]

    monkeypatch.setattr(access, "makeRecord", counted_record)
    # As in production: the service's handler alone (pytest's own capture handlers are set
    # aside for the test, or every line would take the record way).
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    configure_logging(log_format="json", level="INFO")
    context = bind_request("req-1", "203.0.113.9")
    try:
        log_access("GET /api/x\n 200", {**fields, "user_id": 7})
        direct = capsys.readouterr().err.strip().splitlines()
        assert records == []
        # A filter on the way (someone else's set-up) sends the line through a LogRecord: one
        # that lets everything pass gives the same line, one that refuses it none at all.
        access.addFilter(lambda _record: True)
        log_access("GET /api/x\n 200", {**fields, "user_id": 7})
        through_record = capsys.readouterr().err.strip().splitlines()
        assert len(records) == 1
        access.addFilter(refuses_every_access_line)
        log_access("GET /api/x\n 200", {**fields, "user_id": 7})
        filtered_out = capsys.readouterr().err.strip()
    finally:
        access.filters.clear()
        unbind_request(context)
        configure_logging(log_format="text", level="INFO")
    [first], [second] = direct, through_record
    one, other = json.loads(first), json.loads(second)
    assert one.pop("time").endswith("Z")
    assert other.pop("time").endswith("Z")
    assert one == other
    assert one["message"] == "GET /api/x\\n 200"  # a newline in the path cannot split a line
    assert (one["request_id"], one["client_ip"], one["user_id"]) == ("req-1", "203.0.113.9", 7)
    assert filtered_out == ""


@pytest.mark.parametrize("created", [1_700_000_000.0, 1_700_000_000.999_999, 1_764_876_543.25, 0.5])
def test_a_lines_time_is_rfc_3339_utc_to_the_microsecond(created: float) -> None:
    stamp = utc_timestamp(created)
    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert stamp.endswith("Z")
    assert abs(parsed.timestamp() - created) < 2e-6


def test_text_format_appends_fields(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(log_format="text", level="INFO")
    configure_logging(log_format="text", level="INFO")  # twice: still one line per event
    security_event("user_deleted", user_id=5)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "event=user_deleted user_id=5" in lines[0]


def test_every_line_of_a_request_carries_its_id_and_client_ip(
    client: TestClient, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="authservice")
    client.post(
        "/api/auth/login",
        json={"email": user.email, "password": "not the password"},
        headers={"X-Request-ID": "ctx-7"},
    )
    handler = ServiceLogHandler("json")
    lines = [json.loads(handler.format(r)) for r in caplog.records if handler.filter(r)]
    events = [line for line in lines if line["logger"] == "authservice.security"]
    assert [event["event"] for event in events] == ["login.failed"]
    assert {line["request_id"] for line in lines} == {"ctx-7"}
    assert {line["client_ip"] for line in lines} == {"testclient"}
    assert "not the password" not in json.dumps(lines)


def test_lines_outside_a_request_carry_no_request_id(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="authservice")
    security_event("keys_rotated")
    [record] = caplog.records
    assert RequestContextFilter().filter(record)
    assert "request_id" not in json.loads(JsonFormatter().format(record))


def test_json_takes_over_uvicorns_own_loggers(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(log_format="json", level="INFO")
    try:
        logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
        logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /x?token=abc HTTP/1.1" 200')
        logging.getLogger("sqlalchemy.pool").warning("a library's warning")
        lines = capsys.readouterr().err.strip().splitlines()
    finally:
        configure_logging(log_format="text", level="INFO")
    parsed = [json.loads(line) for line in lines]
    assert [line["message"] for line in parsed] == [
        "Started server process [42]",
        "a library's warning",
    ]


def test_the_documented_log_config_file_is_the_one_serve_uses() -> None:
    shipped = json.loads((REPO_ROOT / "log-config.json").read_text(encoding="utf-8"))
    assert shipped == log_config(log_format="json", level="INFO")
