"""What a hostile request gets back and leaves behind: no 500, small errors, honest logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from shared.db.models import User
from shared.http.problems import MAX_REPORTED_ERRORS
from shared.observability.logs import JsonFormatter, TextFormatter
from tests.fixtures import Tokens

HUGE_ID = "9" * 5_000


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("authenticated", [False, True])
def test_a_five_thousand_digit_id_is_404_not_500(
    client: TestClient,
    admin: User,
    login_as: Callable[[User], Tokens],
    method: str,
    authenticated: bool,
) -> None:
    headers = login_as(admin).headers if authenticated else {}
    response = client.request(
        method, f"/api/users/{HUGE_ID}", headers=headers, json={"full_name": "X"}
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_body_of_unknown_fields_gets_a_small_422(client: TestClient) -> None:
    body: dict[str, int | str] = {f"unknown_field_{n}": n for n in range(2_000)}
    body |= {"email": "new@example.com", "password": "Correct-Horse-Battery-9"}
    response = client.post("/api/users", json=body)
    assert response.status_code == 422
    assert len(response.json()["errors"]) == MAX_REPORTED_ERRORS
    assert len(response.content) < 8_000


def _access_record(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    return next(r for r in caplog.records if r.name == "authservice.access")


@pytest.mark.parametrize("formatter", [TextFormatter(), JsonFormatter()], ids=["text", "json"])
def test_a_newline_in_the_path_forges_no_log_line(
    client: TestClient, caplog: pytest.LogCaptureFixture, formatter: logging.Formatter
) -> None:
    caplog.set_level(logging.INFO, logger="authservice")
    forged = " 200 user_id=1\n2030-01-01 INFO authservice.access: GET /admin 200"
    client.get("/nothing" + forged.replace(" ", "%20").replace("\n", "%0A") + "%C2%85%E2%80%A8")
    line = formatter.format(_access_record(caplog))
    assert len(line.splitlines()) == 1
    assert "\\n2030-01-01" in (json.loads(line)["path"] if line.startswith("{") else line)


@pytest.mark.parametrize("formatter", [TextFormatter(), JsonFormatter()], ids=["text", "json"])
def test_control_characters_in_any_logged_value_are_escaped(formatter: logging.Formatter) -> None:
    # What a header can carry (obs-text, decoded as Latin-1): NEL is a line break to some viewers.
    record = logging.makeLogRecord(
        {"msg": "agent %s", "args": ("a\x85b",), "user_agent": "curl\x85forged\r\nline"}
    )
    line = formatter.format(record)
    assert len(line.splitlines()) == 1
    assert "\x85" not in line
    assert "\\x85forged\\r\\nline" in line.replace("\\\\", "\\")


def test_a_failed_statement_does_not_show_its_parameters(engine: Engine) -> None:
    secret = "$2b$12$a-bcrypt-hash-that-must-never-reach-a-log"
    with engine.connect() as connection, pytest.raises(IntegrityError) as raised:
        connection.execute(text("INSERT INTO users (email) VALUES (:secret)"), {"secret": secret})
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(raised.value)
    if engine.dialect.name == "sqlite":
        assert secret not in str(raised.value)
    # PostgreSQL's own DETAIL ("Failing row contains ...") still carries the row: not ours
    # to hide here (see the branch's report).
