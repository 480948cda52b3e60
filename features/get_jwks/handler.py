"""The JWKS: every published public key, never a private or symmetric one."""

from datetime import datetime

from features.get_jwks.schemas import JwksRequest, JwksResponse
from shared.security.keys import KeySet


def handle(request: JwksRequest, *, keys: KeySet, now: datetime) -> JwksResponse:  # noqa: ARG001
    """The keys that verify live tokens now: pending, active and previous ones.

    Raises nothing.
    """
    return JwksResponse(keys=keys.published(now))
