"""Introspection: is this access token live right now, by the same check as every request."""

import hmac

from pydantic import SecretStr

from features.introspect_token.errors import InvalidClientError
from features.introspect_token.schemas import IntrospectionRequest, IntrospectionResponse
from shared.accounts.principal import authenticate
from shared.db.direct import DirectReader
from shared.errors import InvalidTokenError
from shared.security.access_tokens import TokenRejectedError, TokenSettings, decode_access_token

# Compared against when the client id is unknown, so the answer takes as long either way.
_NO_SECRET = "no-such-client-" + "x" * 32


async def handle(
    request: IntrospectionRequest,
    *,
    reader: DirectReader,
    clients: dict[str, SecretStr],
    token_settings: TokenSettings,
) -> IntrospectionResponse:
    """Raises InvalidClientError for missing or wrong client credentials; any token that is
    not a live access token (expired, revoked, garbage, a refresh token) is `active: false`."""
    _check_client(request, clients)
    try:
        claims = decode_access_token(request.token, settings=token_settings)
        # The session row, the user's state: what makes a logout or revocation show at once.
        principal = await authenticate(request.token, reader=reader, token_settings=token_settings)
    except (TokenRejectedError, InvalidTokenError):
        return IntrospectionResponse(active=False)
    return IntrospectionResponse(
        active=True,
        sub=str(claims.user_id),
        sid=claims.session_id,
        exp=int(claims.expires_at.timestamp()),
        iat=int(claims.issued_at.timestamp()),
        iss=token_settings.issuer,
        aud=token_settings.audience,
        jti=claims.token_id,
        token_type="access_token",  # noqa: S106 - the RFC 7662 token type
        role=principal.user.role,
    )


def _check_client(request: IntrospectionRequest, clients: dict[str, SecretStr]) -> None:
    if request.client_id is None or request.client_secret is None:
        raise InvalidClientError()
    expected = clients.get(request.client_id)
    given = request.client_secret.get_secret_value().encode()
    matches = hmac.compare_digest(
        given, (expected.get_secret_value() if expected else _NO_SECRET).encode()
    )
    if expected is None or not matches:
        raise InvalidClientError()
