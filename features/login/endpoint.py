"""POST /api/auth/login: the HTTP side of logging in, JSON or the OAuth2 password form."""

from functools import partial
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from features.login import handler
from features.login.errors import (
    InvalidTokenRequestError,
    UnsupportedGrantTypeError,
    UnsupportedMediaTypeError,
)
from features.login.schemas import LoginForm, LoginRequest, LoginResponse, RefreshGrantForm
from shared.audit.events import current_request
from shared.db.models import email_key
from shared.http.caller import LOGIN_PATH
from shared.http.dependencies import SessionDep, SettingsDep, TokenSettingsDep, WriteSessionDep
from shared.http.openapi import problem_responses
from shared.http.ratelimit import LoginFailuresDep, RequestLimits, RequestLimitsDep
from shared.observability import metrics
from shared.security.passwords import run_password_work

router = APIRouter(tags=["auth"])

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def _located(exc: ValidationError) -> list[dict[str, Any]]:
    return [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]


async def read_credentials(request: Request) -> LoginRequest | RefreshGrantForm:
    """The credentials from either body; the content type decides how it is read, and in the
    OAuth2 form the grant_type which grant it is."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == JSON:
        try:
            return LoginRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            # Reported as the framework reports its own body errors (400 for malformed JSON).
            raise RequestValidationError(_located(exc)) from None
    if media_type != FORM:
        raise UnsupportedMediaTypeError()
    form = dict(await request.form())
    grant_type = form.get("grant_type")
    try:
        if grant_type == "refresh_token":
            return RefreshGrantForm.model_validate(form)
        if grant_type in (None, "", "password"):
            return LoginForm.model_validate(form).to_login_request()
    except ValidationError as exc:
        errors = [
            {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
            for error in _located(exc)
        ]
        raise InvalidTokenRequestError(errors) from None
    raise UnsupportedGrantTypeError()


@router.post(
    LOGIN_PATH,
    responses=problem_responses(400, 401, 403, 413, 415, 422, 429),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                JSON: {"schema": _schema(LoginRequest)},
                FORM: {
                    "schema": {
                        "oneOf": [
                            LoginForm.model_json_schema(),
                            RefreshGrantForm.model_json_schema(),
                        ]
                    }
                },
            },
        }
    },
)
async def login(
    credentials: Annotated[LoginRequest | RefreshGrantForm, Depends(read_credentials)],
    response: Response,
    read_session: SessionDep,
    write_session: WriteSessionDep,
    settings: SettingsDep,
    token_settings: TokenSettingsDep,
    limits: RequestLimitsDep,
    failures: LoginFailuresDep,
) -> LoginResponse:
    """Log in with a password, or spend a refresh token (OAuth2 form): get a token pair."""
    count = (
        metrics.count_refresh if isinstance(credentials, RefreshGrantForm) else metrics.count_login
    )
    with metrics.outcome_counted(count):
        await anyio.to_thread.run_sync(partial(_count_attempt, limits, credentials))
        # On the password-work threads, not the pool sync routes run on: a burst of logins
        # waits for a turn holding no thread that other requests need.
        tokens = await run_password_work(
            partial(
                handler.handle,
                credentials,
                failures=failures,
                read_session=read_session,
                write_session=write_session,
                settings=settings,
                token_settings=token_settings,
                context=current_request(),
            )
        )
    response.headers["Cache-Control"] = "no-store"
    return tokens


def _count_attempt(limits: RequestLimits, credentials: LoginRequest | RefreshGrantForm) -> None:
    if isinstance(credentials, RefreshGrantForm):
        limits.hit("refresh")
        return
    limits.hit("login_ip")
    limits.hit("login", email_key(credentials.email))
