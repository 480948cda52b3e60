"""Rotate: add a key to the key file; every worker publishes it within a second."""

from datetime import UTC, datetime

from features.rotate_signing_key.schemas import RotateKeysRequest, RotateKeysResponse
from shared.config import Settings
from shared.observability.logs import security_event
from shared.security.rotation import rotate


def handle(request: RotateKeysRequest, *, settings: Settings) -> RotateKeysResponse:  # noqa: ARG001
    """Add a new key for JWT_ALGORITHM, signing after JWT_KEY_ACTIVATION_SECONDS (at once
    when it is the file's first live key).

    Raises KeyFileError for HS* (one secret, nothing to rotate) or a malformed key file.
    """
    record = rotate(
        path=settings.keys_file,
        algorithm=settings.jwt_algorithm,
        now=datetime.now(UTC),
        activation=settings.jwt_key_activation,
        access_ttl=settings.access_token_ttl,
    )
    security_event(
        "signing_key_rotated",
        kid=record.kid,
        alg=record.alg,
        activates_at=record.activates_at.isoformat(),
    )
    return RotateKeysResponse(kid=record.kid, alg=record.alg, activates_at=record.activates_at)
