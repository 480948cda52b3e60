"""Read the caller's own user: authentication already loaded it for this request."""

from dataclasses import dataclass

from features.get_me.schemas import GetMeRequest, GetMeResponse
from shared.accounts.principal import Principal


@dataclass(frozen=True, slots=True)
class Me:
    user: GetMeResponse
    etag: str


def handle(request: GetMeRequest, *, caller: Principal) -> Me:  # noqa: ARG001 - nothing to ask
    """The caller's own record, as the auth check read it for this request.

    Raises nothing: an unauthenticated caller never gets this far.
    """
    return Me(
        user=GetMeResponse.model_validate(caller.user, from_attributes=True),
        etag=caller.user.etag,
    )
