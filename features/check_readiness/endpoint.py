"""GET /health/ready: the HTTP side of the readiness probe."""

from fastapi import APIRouter

from features.check_readiness import handler
from features.check_readiness.schemas import ReadinessRequest, ReadinessResponse
from shared.http.dependencies import SessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["operations"])


@router.get("/health/ready", responses=problem_responses(503))
def check_readiness(session: SessionDep) -> ReadinessResponse:
    """Answers 200 when the database answers, 503 otherwise; for a readiness probe."""
    return handler.handle(ReadinessRequest(), session=session)
