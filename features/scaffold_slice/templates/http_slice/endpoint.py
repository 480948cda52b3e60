"""GET /api/http-slice: the HTTP side of http slice."""

from fastapi import APIRouter

from features.scaffold_slice.templates.http_slice import handler
from features.scaffold_slice.templates.http_slice.schemas import HttpSliceRequest, HttpSliceResponse
from shared.http.caller import CurrentUser
from shared.http.openapi import problem_responses

router = APIRouter(tags=["http_slice"])


# Closed by default: a new route starts authenticated, and opening it is a decision.
@router.get("/api/http-slice", responses=problem_responses(401))
def http_slice(caller: CurrentUser) -> HttpSliceResponse:
    """Http slice: say in one line what it does for the API's consumer."""
    return handler.handle(HttpSliceRequest(), caller=caller)
