"""The one place that turns every error into an RFC 9457 problem-details response."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import AppError, UnprocessableError

PROBLEM_MEDIA_TYPE = "application/problem+json"

# A body of a thousand unknown fields would otherwise get a thousand entries back: the
# first 50 tell the client what is wrong, and an error stays small whatever the request.
MAX_REPORTED_ERRORS = 50


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
    error: str | None = Field(
        default=None,
        description="On the OAuth2 routes: the RFC 6749 error (invalid_grant, invalid_request, "
        "unsupported_grant_type, invalid_client).",
    )


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
    oauth_error: str | None = None,
) -> JSONResponse:
    body = problem_body(
        status=status,
        code=code,
        detail=detail,
        instance=request.url.path,
        request_id=request_id_of(request),
    )
    if errors is not None:
        body["errors"] = errors[:MAX_REPORTED_ERRORS]
    if oauth_error is not None:
        # RFC 6749 section 5.2: what a standard OAuth2 client reads to tell the failure.
        body["error"] = oauth_error
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
        for error in exc.errors()[:MAX_REPORTED_ERRORS]
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
        oauth_error=exc.oauth_error,
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
