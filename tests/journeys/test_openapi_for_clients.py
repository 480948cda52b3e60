"""The OpenAPI document says what a generated client needs: codes, headers, optional auth."""

from typing import Any

import pytest
from fastapi import FastAPI

PROBLEM = "application/problem+json"


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def test_sign_up_is_declared_optionally_authenticated(document: dict[str, Any]) -> None:
    assert document["paths"]["/api/users"]["post"]["security"] == [
        {},
        {"OAuth2PasswordBearer": []},
    ]
    assert document["paths"]["/api/users/me"]["get"]["security"] == [{"OAuth2PasswordBearer": []}]
    assert "OptionalOAuth2PasswordBearer" not in document["components"]["securitySchemes"]


def test_problem_codes_are_enums_with_examples(document: dict[str, Any]) -> None:
    conflict = document["paths"]["/api/users"]["post"]["responses"]["409"]["content"][PROBLEM]
    assert "email_taken" in conflict["schema"]["properties"]["code"]["enum"]
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get(PROBLEM)
                if content is None:
                    continue
                enum = content["schema"]["properties"]["code"]["enum"]
                assert content["example"]["code"] in enum
                assert content["example"]["status"] == int(status)


def test_headers_are_declared(document: dict[str, Any]) -> None:
    login = document["paths"]["/api/auth/login"]["post"]["responses"]
    assert {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(
        login["429"]["headers"]
    )
    assert "RateLimit-Remaining" in login["200"]["headers"]
    assert "RateLimit-Remaining" not in login["401"]["headers"]
    assert login["401"]["headers"]["WWW-Authenticate"]
    assert "Location" in document["paths"]["/api/users"]["post"]["responses"]["201"]["headers"]
    assert "ETag" in document["paths"]["/api/users/me"]["get"]["responses"]["200"]["headers"]
