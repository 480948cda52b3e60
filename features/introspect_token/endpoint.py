"""POST /api/auth/introspect: the HTTP side of RFC 7662 introspection."""

import base64
import binascii
from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import APIRouter, Depends, Request, Response
from pydantic import SecretStr, ValidationError

from features.introspect_token import handler
from features.introspect_token.errors import InvalidRequestError
from features.introspect_token.schemas import (
    IntrospectionForm,
    IntrospectionRequest,
    IntrospectionResponse,
)
from shared.http.dependencies import SettingsDep, TokenSettingsDep, get_database
from shared.http.openapi import problem_responses

router = APIRouter(tags=["tokens"])

FORM = "application/x-www-form-urlencoded"


async def read_form(request: Request) -> IntrospectionForm:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise InvalidRequestError()
    try:
        return IntrospectionForm.model_validate(dict(await request.form()))
    except ValidationError:
        raise InvalidRequestError() from None


def basic_credentials(request: Request) -> tuple[str, SecretStr] | None:
    """RFC 6749 2.3.1: Basic with the id and secret each form-urlencoded first."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, secret = decoded.partition(":")
    if not separator:
        return None
    return unquote_plus(client_id), SecretStr(unquote_plus(secret))


@router.post(
    "/api/auth/introspect",
    responses=problem_responses(400, 401, 413),
    response_model_exclude_none=True,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {FORM: {"schema": IntrospectionForm.model_json_schema()}},
        }
    },
)
async def introspect_token(
    form: Annotated[IntrospectionForm, Depends(read_form)],
    request: Request,
    response: Response,
    settings: SettingsDep,
    token_settings: TokenSettingsDep,
) -> IntrospectionResponse:
    """Whether an access token is live now (RFC 7662); for backends listed as clients."""
    credentials = basic_credentials(request)
    response.headers["Cache-Control"] = "no-store"
    return await handler.handle(
        IntrospectionRequest(
            token=form.token,
            client_id=credentials[0] if credentials else None,
            client_secret=credentials[1] if credentials else None,
        ),
        reader=get_database(request).direct,
        clients=settings.introspection_clients,
        token_settings=token_settings,
    )
