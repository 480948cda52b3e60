"""Liveness needs nothing but a running process to answer."""

from features.check_liveness.schemas import LivenessRequest, LivenessResponse


def handle(request: LivenessRequest) -> LivenessResponse:  # noqa: ARG001 - nothing to ask
    """Answer that the process runs.

    Raises nothing: a process that gets this far is alive.
    """
    return LivenessResponse()
