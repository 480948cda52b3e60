"""Application errors and the one place that turns every error into RFC 9457 problem details."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"


class AppError(Exception):
    """Base of every error a handler raises; carries its HTTP status and stable code."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_detail: ClassVar[str] = "The server could not complete the request."

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        self.detail = detail or self.default_detail
        self.headers = headers or {}
        super().__init__(self.detail)


class UnauthorizedError(AppError):
    status = 401
    code = "not_authenticated"
    default_detail = "A valid access token is required."

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer", **(headers or {})})


class InvalidTokenError(UnauthorizedError):
    code = "invalid_token"
    default_detail = "The token is malformed, expired, revoked or of the wrong type."


class InvalidCredentialsError(UnauthorizedError):
    code = "invalid_credentials"
    default_detail = "The email or password is wrong."


class ForbiddenError(AppError):
    status = 403
    code = "forbidden"
    default_detail = "You are not allowed to do this."


class NotFoundError(AppError):
    status = 404
    code = "not_found"
    default_detail = "The resource does not exist."


class ConflictError(AppError):
    status = 409
    code = "conflict"
    default_detail = "The request conflicts with the current state."


class EmailTakenError(ConflictError):
    code = "email_taken"
    default_detail = "A user with this email already exists."


class LastAdminError(ConflictError):
    code = "last_admin"
    default_detail = "This is the last active admin; make another user an admin first."


class PreconditionFailedError(AppError):
    status = 412
    code = "precondition_failed"
    default_detail = "The resource has changed since you read it (If-Match does not match)."


class UnprocessableError(AppError):
    """A rule the schema cannot express (a common password, say), reported like validation."""

    status = 422
    code = "validation_error"
    default_detail = "The request failed validation."

    def __init__(self, detail: str | None = None, *, loc: tuple[str | int, ...] = ("body",)):
        super().__init__(detail)
        self.errors = [{"loc": list(loc), "msg": self.detail, "type": self.code}]


class WeakPasswordError(UnprocessableError):
    code = "weak_password"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems), loc=("body", "password"))


class RateLimitedError(AppError):
    status = 429
    code = "rate_limited"
    default_detail = "Too many requests; retry later."


class ServiceUnavailableError(AppError):
    status = 503
    code = "service_unavailable"
    default_detail = "The service cannot answer right now."


class BodyTooLargeError(StarletteHTTPException):
    """Raised from inside the body stream, so the framework's body parsing passes it through."""

    def __init__(self) -> None:
        super().__init__(413, "The request body is too large.")


class ProblemDetail(BaseModel):
    """RFC 9457 problem details, as every error response carries them."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str = Field(description="Stable snake_case machine code; see the README's table.")
    request_id: str
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Present on 422: each failed field with its location."
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the problem responses a route can give."""
    return {
        status: {
            "model": ProblemDetail,
            "description": HTTPStatus(status).phrase,
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
            },
        }
        for status in statuses
    }


def complete_problem_responses(openapi: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the middleware and the framework really answer.

    Every operation with a body may get 400 (malformed JSON), 413 and 422; one with
    parameters 422. FastAPI's default 422 (plain JSON, another schema) becomes the problem, and
    error responses lose the `application/json` entry FastAPI adds beside problem+json.
    """
    problem = {"$ref": "#/components/schemas/ProblemDetail"}
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            statuses: set[int] = set()
            if "requestBody" in operation:
                statuses |= {400, 413, 422}
            if operation.get("parameters"):
                statuses.add(422)
            for status in statuses:
                declared = responses.get(str(status), {})
                if PROBLEM_MEDIA_TYPE not in declared.get("content", {}):
                    responses[str(status)] = {
                        "description": HTTPStatus(status).phrase,
                        "content": {PROBLEM_MEDIA_TYPE: {"schema": problem}},
                    }
            for status, response in responses.items():
                content = response.get("content", {})
                if status[0] in "45" and PROBLEM_MEDIA_TYPE in content:
                    content.pop("application/json", None)
    schemas = openapi.get("components", {}).get("schemas", {})
    if "HTTPValidationError" not in str(openapi.get("paths")):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return openapi


def request_id_of(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def problem_body(
    *, status: int, code: str, detail: str, instance: str, request_id: str
) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "request_id": request_id,
    }


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body = problem_body(
        status=status,
        code=code,
        detail=detail,
        instance=request.url.path,
        request_id=request_id_of(request),
    )
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _jsonable_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only loc, msg and type: echoing `input` back could repeat a password into a response.
    return [
        {
            "loc": list(error.get("loc", ())),
            "msg": str(error.get("msg", "")),
            "type": error.get("type", ""),
        }
        for error in exc.errors()
    ]


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    errors = exc.errors if isinstance(exc, UnprocessableError) else None
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        detail=exc.detail,
        headers=exc.headers,
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).description
    if status == 404 and detail == "Not Found":
        detail = "No resource at this path."
    code = _HTTP_CODES.get(
        status, HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    )
    return problem_response(request, status=status, code=code, detail=detail, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _jsonable_errors(exc)
    if any(error["type"] == "json_invalid" for error in errors):
        return problem_response(
            request,
            status=400,
            code="malformed_json",
            detail="The body is not valid JSON.",
            errors=errors,
        )
    return problem_response(
        request,
        status=422,
        code="validation_error",
        detail="The request failed validation.",
        errors=errors,
    )


async def _unstorable_value(request: Request, _exc: Exception) -> JSONResponse:
    # A value the schema let through but the database refuses (PostgreSQL rejects NUL bytes
    # in text, say): the client's input, so a 422 and not a 500. Schemas should catch these
    # first, with a clearer message; this is the net under them.
    return problem_response(
        request,
        status=422,
        code="validation_error",
        detail="A value in the request cannot be stored.",
        errors=[],
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DataError, _unstorable_value)
