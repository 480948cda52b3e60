"""POST /api/auth/revoke: the HTTP side of RFC 7009 token revocation."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from features.revoke_token import handler
from features.revoke_token.errors import InvalidRequestError
from features.revoke_token.schemas import RevokeRequest
from shared.http.dependencies import TokenSettingsDep, WriteSessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["tokens"])

FORM = "application/x-www-form-urlencoded"


async def read_form(request: Request) -> RevokeRequest:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise InvalidRequestError()
    try:
        return RevokeRequest.model_validate(dict(await request.form()))
    except ValidationError:
        raise InvalidRequestError() from None


@router.post(
    "/api/auth/revoke",
    status_code=200,
    # No body (RFC 7009 section 2.2): declared so, and never sent as JSON.
    response_class=Response,
    response_description="Revoked, or nothing to revoke (RFC 7009: no oracle).",
    responses=problem_responses(400, 413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {FORM: {"schema": RevokeRequest.model_json_schema()}},
        }
    },
)
def revoke_token(
    body: Annotated[RevokeRequest, Depends(read_form)],
    session: WriteSessionDep,
    token_settings: TokenSettingsDep,
) -> Response:
    """Revoke a refresh or access token (RFC 7009): its whole session ends; always 200."""
    handler.handle(body, session=session, token_settings=token_settings)
    return Response(status_code=200, headers={"Cache-Control": "no-store"})
