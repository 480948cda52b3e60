"""List the signing keys as the service sees them now: pending, active, previous, retired."""

from datetime import UTC, datetime

from features.list_signing_keys.schemas import ListedKey, ListKeysRequest, ListKeysResponse
from shared.config import Settings
from shared.security.rotation import listed


def handle(request: ListKeysRequest, *, settings: Settings) -> ListKeysResponse:  # noqa: ARG001
    """Raises KeyFileError when an asymmetric algorithm's key file is missing."""
    keys = listed(
        path=settings.keys_file,
        algorithm=settings.jwt_algorithm,
        secret=settings.signing_secret(),
        access_ttl=settings.access_token_ttl,
    )
    return ListKeysResponse(
        keys=[
            ListedKey(
                kid=key.kid,
                alg=key.alg,
                state=state,
                created_at=key.created_at,
                activates_at=key.activates_at,
                retired_at=key.retired_at,
            )
            for key, state in keys.states(datetime.now(UTC))
        ]
    )
