"""Retire: a key stops verifying and leaves the JWKS; its private half is deleted."""

from datetime import UTC, datetime

from features.retire_signing_key.schemas import RetireKeyRequest, RetireKeyResponse
from shared.config import Settings
from shared.observability.logs import security_event
from shared.security.rotation import retire


def handle(request: RetireKeyRequest, *, settings: Settings) -> RetireKeyResponse:
    """Retire the key `kid`, or with none every previous key.

    Raises KeyFileError for an unknown kid, the active key, or a missing key file.
    """
    retired = retire(
        path=settings.keys_file,
        kid=request.kid,
        now=datetime.now(UTC),
        access_ttl=settings.access_token_ttl,
    )
    for kid in retired:
        security_event("signing_key_retired", kid=kid)
    return RetireKeyResponse(retired=retired)
