"""GET /health: the HTTP side of the liveness probe."""

from fastapi import APIRouter

from features.check_liveness import handler
from features.check_liveness.schemas import LivenessRequest, LivenessResponse

router = APIRouter(tags=["operations"])


@router.get("/health")
async def check_liveness() -> LivenessResponse:
    """Answers 200 while the process is alive; for a liveness probe."""
    return handler.handle(LivenessRequest())
