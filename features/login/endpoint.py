"""POST /api/auth/login: the HTTP side of logging in, JSON or the OAuth2 password form."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from features.login import handler
from features.login.errors import UnsupportedMediaTypeError
from features.login.schemas import LoginForm, LoginRequest, LoginResponse
from shared.db.models import email_key
from shared.http.caller import LOGIN_PATH
from shared.http.dependencies import SessionDep, SettingsDep, TokenSettingsDep, WriteSessionDep
from shared.http.openapi import problem_responses
from shared.http.ratelimit import LoginFailuresDep, RequestLimitsDep
from shared.observability import metrics

router = APIRouter(tags=["auth"])

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def _request_body_schema(model: type[BaseModel]) -> dict[str, Any]:
    return {"schema": model.model_json_schema()}


async def read_credentials(request: Request) -> LoginRequest:
    """The credentials from either body; the content type decides how it is read."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if media_type == JSON:
            return LoginRequest.model_validate_json(await request.body())
        if media_type == FORM:
            form = await request.form()
            return LoginForm.model_validate(dict(form)).to_login_request()
    except ValidationError as exc:
        # Reported as the framework reports its own body errors (400 for malformed JSON).
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
        ) from None
    raise UnsupportedMediaTypeError()


@router.post(
    LOGIN_PATH,
    responses=problem_responses(400, 401, 403, 413, 415, 422, 429),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                JSON: _request_body_schema(LoginRequest),
                FORM: _request_body_schema(LoginForm),
            },
        }
    },
)
def login(
    credentials: Annotated[LoginRequest, Depends(read_credentials)],
    response: Response,
    read_session: SessionDep,
    write_session: WriteSessionDep,
    settings: SettingsDep,
    token_settings: TokenSettingsDep,
    limits: RequestLimitsDep,
    failures: LoginFailuresDep,
) -> LoginResponse:
    """Log in with email and password; returns a short-lived access token and a refresh token."""
    with metrics.outcome_counted(metrics.count_login):
        limits.hit("login", email_key(credentials.email))
        tokens = handler.handle(
            credentials,
            failures=failures,
            read_session=read_session,
            write_session=write_session,
            settings=settings,
            token_settings=token_settings,
        )
    response.headers["Cache-Control"] = "no-store"
    return tokens
