"""Read the caller's own user: authentication already loaded it for this request."""

from dataclasses import dataclass

from features.get_me.schemas import GetMeResponse
from shared.accounts.principal import Principal


@dataclass(frozen=True, slots=True)
class Me:
    user: GetMeResponse
    etag: str


def handle(*, caller: Principal) -> Me:
    return Me(
        user=GetMeResponse.model_validate(caller.user, from_attributes=True),
        etag=caller.user.etag,
    )
