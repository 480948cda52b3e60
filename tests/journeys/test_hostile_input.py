"""Hostile input against every route the app has, found from the slices' routers (so a new
slice is covered without touching this file): odd ids, NUL bytes, huge strings, wrong types,
malformed JSON, wrong content types, deep nesting, invalid UTF-8, odd headers. Nothing may
give a 500, and every error is a problem."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import httpx2
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import features
from shared.db.models import User
from shared.discovery import discover_slices
from tests.fixtures import Tokens

PROBLEM = "application/problem+json"
_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


def all_routes() -> list[tuple[str, str, APIRoute]]:
    found: list[tuple[str, str, APIRoute]] = []
    for router in discover_slices(features):
        for route in router.routes:
            if isinstance(route, APIRoute):
                found.extend((method, route.path, route) for method in sorted(route.methods or ()))
    return found


ROUTES = all_routes()
ROUTE_IDS = [f"{method} {path}" for method, path, _ in ROUTES]

ODD_IDS = ["0", "-1", "9223372036854775807", "9223372036854775808", str(2**64), "1" * 40]
ODD_STRINGS = ["%00", "%C3%28", "x" * 4000, "..%2F..%2Fetc%2Fpasswd", "%E2%80%AE"]

HOSTILE_JSON: list[Any] = [
    None,
    [],
    0,
    -1,
    2**64,
    "string",
    True,
    {"email": None, "password": None},
    {"email": ["a@example.com"], "password": {"$ne": ""}},
    {"email": "a\u0000@example.com", "password": "pass\u0000word-long-enough"},
    {"email": "a@example.com", "password": "x" * 60_000},
    {"email": "@" * 1000, "full_name": "\u202e" * 100, "role": "superuser"},
    {"id": 1, "role": "admin", "is_active": "yes", "hashed_password": "$2b$..."},
    {"limit": -1, "offset": 2**64, "refresh_token": 2**64, "current_password": []},
    {"email": "a@example.com", "password": "Correct-Horse-Battery-9", "extra": {"deep": [1]}},
]

RAW_BODIES: list[tuple[str, bytes]] = [
    ("application/json", b"{"),
    ("application/json", b'{"email": "a@example.com",}'),
    ("application/json", b"\xff\xfe\xfd invalid utf-8"),
    ("application/json", b'{"email": "\xc3\x28@example.com"}'),
    ("application/json", b"[" * 30_000 + b"]" * 30_000),
    ("application/json", b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
    ("application/json", b"NaN"),
    ("application/json", b'{"email": 1e999999}'),
    ("application/json", b""),
    ("text/plain", b"email=a@example.com"),
    ("application/xml", b"<user><email>a@example.com</email></user>"),
    ("application/x-www-form-urlencoded", b"username=a%40example.com&password=%00"),
    ("application/x-www-form-urlencoded", b"%%%=%%%&&&"),
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\n--"),
    ("multipart/form-data", b"no boundary at all"),
    ("application/json; charset=latin-1", b'{"email": "\xe9@example.com"}'),
]

ODD_HEADERS: list[dict[str, str | bytes]] = [
    {"Authorization": "Bearer " + "A" * 8_000},
    {"Authorization": b"Bearer " + "é€".encode()},
    {"Authorization": b"Bearer \xff\xfe"},
    {"Authorization": "Bearer a.b.c"},
    {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."},
    {"Authorization": "Basic Zm9vOmJhcg=="},
    {"Authorization": "Bearer"},
    {"Authorization": ""},
    {"If-Match": '"' + "x" * 5000 + '"', "If-None-Match": '*, W/"\u0000"'},
    {"X-Request-ID": "../../etc/passwd\u0000"},
    {"X-Forwarded-For": "not-an-ip, 999.999.999.999, ::::"},
    {"Content-Type": "application/json; charset=\u00ff"},
    {"Origin": "null", "Access-Control-Request-Method": "DELETE"},
]


def concrete(path: str, value: str | None = None) -> str:
    """The path with each parameter filled: `value` when given, else 1."""

    def fill(match: re.Match[str]) -> str:
        return value if value is not None else "1"

    return _PARAM.sub(fill, path)


def takes_body(route: APIRoute) -> bool:
    return route.body_field is not None or bool({"POST", "PUT"} & (route.methods or set()))


def assert_no_crash(response: httpx.Response | httpx2.Response) -> None:
    assert response.status_code < 500, (
        response.request.method,
        response.request.url,
        response.text[:300],
    )
    if response.status_code >= 400:
        assert response.headers["content-type"] == PROBLEM, response.text[:300]
        body = response.json()
        assert isinstance(body["code"], str)
        assert body["request_id"] == response.headers["x-request-id"]
        assert body["status"] == response.status_code


@pytest.fixture(params=["anonymous", "user", "admin"])
def auth(
    request: pytest.FixtureRequest,
    user: User,
    admin: User,
    login_as: Callable[[User], Tokens],
) -> dict[str, str]:
    if request.param == "anonymous":
        return {}
    return login_as(admin if request.param == "admin" else user).headers


def requests_for(method: str, path: str, route: APIRoute) -> Iterator[dict[str, Any]]:
    """Every hostile request for one route, as keyword arguments for client.request."""
    if _PARAM.search(path):
        for value in ODD_IDS + ODD_STRINGS:
            yield {"url": concrete(path, value)}
    target = concrete(path)
    yield {"url": target + "?limit=-1&offset=18446744073709551616&email=%00&limit=abc"}
    yield {"url": target + "?" + "x=" + "y" * 6000}
    for headers in ODD_HEADERS:
        yield {"url": target, "headers": headers}
    if takes_body(route):
        for value in HOSTILE_JSON:
            yield {"url": target, "content": json.dumps(value).encode(), "json_body": True}
        for content_type, raw in RAW_BODIES:
            yield {"url": target, "content": raw, "headers": {"Content-Type": content_type}}
        yield {"url": target}  # no body at all


@pytest.mark.parametrize(("method", "path", "route"), ROUTES, ids=ROUTE_IDS)
def test_route_survives_hostile_input(
    client: TestClient, auth: dict[str, str], method: str, path: str, route: APIRoute
) -> None:
    sent = 0
    for request in requests_for(method, path, route):
        headers: dict[str, Any] = {**auth, **request.pop("headers", {})}
        if request.pop("json_body", False):
            headers.setdefault("Content-Type", "application/json")
        # Sent as UTF-8 bytes: non-ASCII header values are what some of these cases are about.
        headers = {
            name: value.encode() if isinstance(value, str) else value
            for name, value in headers.items()
        }
        assert_no_crash(client.request(method, headers=headers, **request))
        sent += 1
    assert sent >= len(ODD_HEADERS)


def test_every_slice_route_is_covered() -> None:
    # Discovery found the routes that exist today; a slice added later is covered by itself.
    assert ("POST", "/api/users") in {(method, path) for method, path, _ in ROUTES}
    assert len(ROUTES) >= 3
