"""What every response promises: problem details for every framework error, body cap, request
ids, nosniff, Allow on 405, CORS, and a crash that says nothing but the request id."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from shared.config import Settings
from tests.fixtures import app_for

PROBLEM = "application/problem+json"
ORIGIN = "https://app.example.com"


def assert_problem(response: object, status: int, code: str) -> dict[str, object]:
    assert hasattr(response, "status_code")
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert body["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]  # type: ignore[attr-defined]
    assert {"type", "title", "detail"} <= body.keys()
    return body


@pytest.fixture
def echo_app(settings: Settings, connection: Connection, db_session: Session) -> FastAPI:
    """The real app plus two test-only routes: one echoing its body size, one crashing."""
    app = app_for(settings, connection)

    @app.post("/test/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    @app.get("/test/crash")
    def crash() -> None:
        raise RuntimeError("SELECT secret FROM internals")

    return app


@pytest.fixture
def echo_client(echo_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(echo_app, raise_server_exceptions=False) as client:
        yield client


# --- problem details for the framework's own errors --------------------------------------


def test_unknown_path_is_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/no/such/path"), 404, "not_found")


def test_wrong_method_is_405_problem_with_allow(client: TestClient) -> None:
    response = client.patch("/api/users")
    assert_problem(response, 405, "method_not_allowed")
    assert "POST" in response.headers["allow"]


def test_malformed_json_is_400_problem(client: TestClient) -> None:
    response = client.post(
        "/api/users", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed_json")


def test_validation_failure_is_422_problem_with_errors(client: TestClient) -> None:
    body = assert_problem(client.post("/api/users", json={"email": 1}), 422, "validation_error")
    assert isinstance(body["errors"], list)
    assert body["errors"]


def test_crash_is_500_problem_with_only_the_request_id(echo_client: TestClient) -> None:
    response = echo_client.get("/test/crash", headers={"X-Request-ID": "trace-me-1"})
    body = assert_problem(response, 500, "internal_error")
    assert body["request_id"] == "trace-me-1"
    assert "SELECT" not in response.text
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text


# --- body size ------------------------------------------------------------------------------


def test_body_of_exactly_max_bytes_passes(echo_client: TestClient, settings: Settings) -> None:
    response = echo_client.post("/test/echo", content=b"x" * settings.max_body_bytes)
    assert response.status_code == 200
    assert response.json() == {"received": 65_536}


def test_declared_body_over_max_is_413_problem(echo_client: TestClient) -> None:
    assert_problem(echo_client.post("/test/echo", content=b"x" * 65_537), 413, "payload_too_large")


def test_chunked_body_over_max_is_413_problem(echo_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"x" * 16_384

    response = echo_client.post("/test/echo", content=chunks())
    assert_problem(response, 413, "payload_too_large")


def test_chunked_body_within_max_passes(echo_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(4):
            yield b"x" * 16_384

    response = echo_client.post("/test/echo", content=chunks())
    assert response.status_code == 200
    assert response.json() == {"received": 65_536}


def test_oversized_sign_up_is_413_and_creates_nothing(client: TestClient) -> None:
    body = {"email": "big@example.com", "password": "a fine passphrase", "full_name": "x" * 70_000}
    assert_problem(client.post("/api/users", json=body), 413, "payload_too_large")
    # Had it been created, the same email would now be a conflict, not a validation error.
    again = client.post("/api/users", json={**body, "full_name": None})
    assert again.status_code == 201


# --- request ids and security headers ---------------------------------------------------------


@pytest.mark.parametrize("request_id", ["abc", "A.b_c:d-1", "x" * 128])
def test_valid_request_id_is_echoed(client: TestClient, request_id: str) -> None:
    response = client.get("/health", headers={"X-Request-ID": request_id})
    assert response.headers["x-request-id"] == request_id


@pytest.mark.parametrize("request_id", ["", "x" * 129, "has space", "semi;colon", "é"])
def test_invalid_request_id_is_replaced(client: TestClient, request_id: str) -> None:
    response = client.get("/no/such/path", headers=[(b"X-Request-ID", request_id.encode())])
    generated = response.headers["x-request-id"]
    assert generated != request_id
    assert 1 <= len(generated) <= 128
    assert response.json()["request_id"] == generated


def test_generated_request_ids_differ(client: TestClient) -> None:
    assert (
        client.get("/health").headers["x-request-id"]
        != client.get("/health").headers["x-request-id"]
    )


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/health"), ("GET", "/nope"), ("POST", "/api/users")]
)
def test_every_response_has_nosniff(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.headers["x-content-type-options"] == "nosniff"


# --- CORS ---------------------------------------------------------------------------------


class TestCors:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"cors_origins": [ORIGIN]})

    def preflight(self, client: TestClient, **headers: str) -> object:
        return client.options(
            "/api/users",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type, if-match",
                **headers,
            },
        )

    def test_allowed_preflight_gets_204_with_methods_and_headers(self, client: TestClient) -> None:
        response = self.preflight(client)
        assert response.status_code == 204  # type: ignore[attr-defined]
        headers = response.headers  # type: ignore[attr-defined]
        assert headers["access-control-allow-origin"] == ORIGIN
        assert headers["access-control-allow-methods"] == "GET, POST, PUT, DELETE"
        allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
        assert allowed == {"authorization", "content-type", "if-match", "if-none-match"} | {
            "x-request-id"
        }
        assert "Origin" in headers["vary"]

    @pytest.mark.parametrize(
        "headers",
        [
            {"Origin": "https://evil.example.com"},
            {"Origin": "null"},
            {"Access-Control-Request-Method": "PATCH"},
            {"Access-Control-Request-Headers": "x-custom-thing"},
        ],
    )
    def test_refused_preflight_is_403_problem(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        response = self.preflight(client, **headers)
        assert_problem(response, 403, "cors_refused")
        assert "access-control-allow-origin" not in response.headers  # type: ignore[attr-defined]

    def test_allowed_origin_gets_cors_and_exposed_headers(self, client: TestClient) -> None:
        response = client.get("/health", headers={"Origin": ORIGIN})
        assert response.headers["access-control-allow-origin"] == ORIGIN
        exposed = {h.strip() for h in response.headers["access-control-expose-headers"].split(",")}
        assert {"ETag", "Location", "Retry-After", "X-Request-ID", "RateLimit-Remaining"} <= exposed

    def test_other_origin_gets_no_cors_headers(self, client: TestClient) -> None:
        response = client.get("/health", headers={"Origin": "https://evil.example.com"})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers

    def test_error_responses_carry_cors_headers_too(self, client: TestClient) -> None:
        response = client.get("/nope", headers={"Origin": ORIGIN})
        assert response.status_code == 404
        assert response.headers["access-control-allow-origin"] == ORIGIN


def test_no_origin_is_allowed_by_default(client: TestClient) -> None:
    response = client.options(
        "/api/users",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert_problem(response, 403, "cors_refused")
    assert (
        "access-control-allow-origin"
        not in client.get("/health", headers={"Origin": ORIGIN}).headers
    )


def test_wildcard_origin_allows_any(
    settings: Settings, connection: Connection, db_session: Session
) -> None:
    app = app_for(settings.model_copy(update={"cors_origins": ["*"]}), connection)
    with TestClient(app) as client:
        response = client.get("/health", headers={"Origin": "https://anything.example"})
    assert response.headers["access-control-allow-origin"] == "*"


def test_plain_options_without_preflight_headers_is_405_problem(client: TestClient) -> None:
    response = client.options("/api/users")
    assert_problem(response, 405, "method_not_allowed")
    assert json.loads(response.text)["instance"] == "/api/users"


# --- the OpenAPI document -----------------------------------------------------------------


class Thing(BaseModel):
    name: str


def test_undeclared_framework_problems_are_declared(echo_app: FastAPI) -> None:
    @echo_app.post("/test/things/{thing_id}")
    def make_thing(thing_id: int, thing: Thing) -> Thing:
        return thing

    document = echo_app.openapi()
    responses = document["paths"]["/test/things/{thing_id}"]["post"]["responses"]
    for status in ("400", "413", "422"):
        assert list(responses[status]["content"]) == [PROBLEM]
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_error_responses_declare_only_problem_json(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == [PROBLEM], (status, operation)
