"""Liveness needs nothing but a running process to answer."""

from features.check_liveness.schemas import LivenessResponse


def handle() -> LivenessResponse:
    return LivenessResponse()
