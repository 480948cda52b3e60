"""OpenAPI declarations of the problem responses routes give, declared and implied."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from shared.http.openapi_clients import (
    codes_by_status,
    complete_for_clients,
)
from shared.http.problems import PROBLEM_MEDIA_TYPE, ProblemDetail


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


def operation_id(route: APIRoute) -> str:
    """The path operation function's name, which is its slice's: generated clients get
    `create_user`, not `create_user_api_users_post`."""
    return route.name


def declare_implied_problems(app: FastAPI) -> None:
    """Declare the problems every route can give without saying so (413, 422...)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = complete_problem_responses(generate())
            complete_for_clients(document, codes=codes_by_status())
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
