"""Http slice: the use case, free of HTTP."""

from features.scaffold_slice.templates.http_slice.schemas import HttpSliceRequest, HttpSliceResponse
from shared.accounts.principal import Principal


# The request is empty until the team gives the use case its input; the signature is the contract.
def handle(request: HttpSliceRequest, *, caller: Principal) -> HttpSliceResponse:  # noqa: ARG001
    """The scaffold's starting point: it answers the authenticated caller with their id only.

    Raises nothing yet; name here every error class the use case raises.
    """
    return HttpSliceResponse(user_id=caller.user_id)
