"""GET /.well-known/jwks.json: the HTTP side of publishing the verification keys."""

from datetime import UTC, datetime

from fastapi import APIRouter, Response

from features.get_jwks import handler
from features.get_jwks.schemas import JwksRequest, JwksResponse
from shared.http.dependencies import SettingsDep, TokenSettingsDep

router = APIRouter(tags=["tokens"])

MAX_AGE_SECONDS = 600


@router.get("/.well-known/jwks.json")
def get_jwks(response: Response, settings: SettingsDep, tokens: TokenSettingsDep) -> JwksResponse:
    """The public keys (RFC 7517) that verify access tokens; look a token's `kid` up here."""
    # A verifier must learn a new key before it signs: cached no longer than the activation
    # delay, so a cache filled just before a rotation has expired when the new key signs.
    max_age = min(MAX_AGE_SECONDS, int(settings.jwt_key_activation.total_seconds()))
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return handler.handle(JwksRequest(), keys=tokens.keys.current(), now=datetime.now(UTC))
