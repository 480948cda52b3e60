"""Command slice: the use case, free of the command line."""

from features.scaffold_slice.templates.command_slice.schemas import (
    CommandSliceRequest,
    CommandSliceResponse,
)
from shared.config import Settings


# The arguments are unused until the team writes the use case; the signature is the contract.
def handle(request: CommandSliceRequest, *, settings: Settings) -> CommandSliceResponse:  # noqa: ARG001
    """The scaffold's starting point: it changes nothing yet.

    Raises nothing yet; name here every error class the use case raises.
    """
    return CommandSliceResponse(changed=0)
