"""OpenAPI details client generators use: problem codes as enums, headers, examples, auth."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from shared.errors import AppError
from shared.http.caller import OPTIONAL_BEARER
from shared.http.problems import _HTTP_CODES, PROBLEM_MEDIA_TYPE

# Codes the framework's own refusals and the middleware give, beside the error classes'.
FRAMEWORK_CODES = {
    400: ["malformed_json"],
    403: ["cors_refused"],
    404: ["not_found"],
    405: ["method_not_allowed"],
    413: ["payload_too_large"],
    415: ["unsupported_media_type"],
    422: ["validation_error"],
    429: ["rate_limited"],
    500: ["internal_error"],
}
_INTEGER = {"schema": {"type": "integer"}}
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {"description": "Requests the limit allows in its window.", **_INTEGER},
    "RateLimit-Remaining": {"description": "Requests left in the window.", **_INTEGER},
    "RateLimit-Reset": {"description": "Seconds until a request is allowed again.", **_INTEGER},
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", **_INTEGER}}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": "`Bearer`: the scheme to authenticate with.",
        "schema": {"type": "string"},
    }
}
LOCATION = {
    "Location": {"description": "The created resource's path.", "schema": {"type": "string"}}
}
BEARER = "OAuth2PasswordBearer"


def codes_by_status() -> dict[int, list[str]]:
    """Every problem code a status can carry: the error classes' and the framework's."""
    found: defaultdict[int, set[str]] = defaultdict(set)
    for status, codes in FRAMEWORK_CODES.items():
        found[status].update(codes)
    # What the framework's own HTTP errors are mapped to, in the one place that maps them.
    for status, code in _HTTP_CODES.items():
        found[status].add(code)
    for cls in _subclasses(AppError):
        found[cls.status].add(cls.code)
    return {status: sorted(codes) for status, codes in found.items()}


def _subclasses(base: type[AppError]) -> Iterable[type[AppError]]:
    for sub in base.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def complete_for_clients(openapi: dict[str, Any], *, codes: dict[int, list[str]]) -> None:
    """Declare in `openapi` what a generated client needs: the `code` values each problem
    response may carry (an enum) with an example, the Retry-After, RateLimit-*, Location and
    WWW-Authenticate headers, and where a token is optional (`security: [{}, bearer]`)."""
    for path, operations in openapi.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.get("responses", {})
            limited = "429" in responses
            for key, response in responses.items():
                status = int(key) if key.isdigit() else 0
                headers = response.setdefault("headers", {})
                # Where a limit counted, the answer reports the quota; other refusals do not.
                if limited and (status == 429 or 200 <= status < 300):
                    headers.update(RATE_LIMIT_HEADERS)
                if status == 429:
                    headers.update(RETRY_AFTER)
                if status == 401:
                    headers.update(WWW_AUTHENTICATE)
                if status == 201:
                    headers.update(LOCATION)
                if not headers:
                    del response["headers"]
                content = response.get("content", {}).get(PROBLEM_MEDIA_TYPE)
                if content is not None and codes.get(status):
                    content["schema"] = _problem_schema(codes[status])
                    content["example"] = _example(status, codes[status][0], path)
            if operation.get("security") == [{OPTIONAL_BEARER: []}]:
                # Anonymous or authenticated: both are valid ways to call it.
                operation["security"] = [{}, {BEARER: []}]
    schemes = openapi.get("components", {}).get("securitySchemes", {})
    optional = schemes.pop(OPTIONAL_BEARER, None)
    if optional is not None:
        schemes.setdefault(BEARER, optional)


def _problem_schema(codes: list[str]) -> dict[str, Any]:
    return {
        "allOf": [{"$ref": "#/components/schemas/ProblemDetail"}],
        "properties": {"code": {"type": "string", "enum": codes}},
    }


def _example(status: int, code: str, path: str) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": "What went wrong, for a person.",
        "instance": path,
        "code": code,
        "request_id": "5f0c6bd2a1e44b7c9a2d3e4f5a6b7c8d",
    }
