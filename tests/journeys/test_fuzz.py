"""Schemathesis against the app's own OpenAPI document, in-process: as an ordinary user and as
an admin, every operation gets generated valid and invalid requests, and every response must
be declared (status, content type, schema) and never a server error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.db.models import User
from tests.fixtures import Tokens

# Per operation, role and mode: with a dozen operations, a few hundred requests in all.
EXAMPLES_PER_OPERATION = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("role", ["user", "admin"])
def test_every_operation_answers_as_declared(
    app: FastAPI,
    user: User,
    admin: User,
    login_as: Callable[[User], Tokens],
    role: str,
    mode: GenerationMode,
) -> None:
    # Schemathesis' own pytest loader cannot take a per-test app on this pytest, so the
    # operations are walked here, each under Hypothesis with a fixed seed.
    tokens = login_as(admin if role == "admin" else user)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        # An operation schemathesis cannot read is a broken OpenAPI document: fail, not skip.
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert operations

    for operation in operations:
        takes_input = any(
            len(group) for group in (operation.body, operation.query, operation.path_parameters)
        )
        if mode is GenerationMode.NEGATIVE and not takes_input:
            continue  # nothing to get wrong: GET /health, say

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_declared(case: schemathesis.Case[Any]) -> None:
            # A generated Authorization header (a negative case) wins over ours.
            case.call_and_validate(
                headers={**tokens.headers, **dict(case.headers or {})}, checks=CHECKS
            )

        try:
            answers_as_declared()
        except Unsatisfiable:
            # Every input of this operation accepts anything (DELETE /api/users/me/sessions/
            # {session_id}: any id is a 204), so there is no invalid request to generate.
            assert mode is GenerationMode.NEGATIVE, operation.label
