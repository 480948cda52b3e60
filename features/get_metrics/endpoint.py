"""GET /metrics: the HTTP side of a Prometheus scrape."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from features.get_metrics import handler
from features.get_metrics.schemas import GetMetricsRequest
from shared.http.dependencies import SettingsDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["operations"])

# auto_error=False: a missing token is the handler's 401 problem, not the framework's 403.
metrics_token = HTTPBearer(
    auto_error=False, scheme_name="MetricsToken", description="The METRICS_TOKEN setting."
)

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Prometheus text exposition format.",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    },
    **problem_responses(401, 404),
}


@router.get("/metrics", response_class=Response, responses=RESPONSES)
def get_metrics(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(metrics_token)],
) -> Response:
    """Prometheus metrics of the whole server (every worker); 404 when METRICS_TOKEN is unset."""
    request = GetMetricsRequest(token=SecretStr(credentials.credentials) if credentials else None)
    scraped = handler.handle(request, settings=settings)
    return Response(scraped.body, media_type=scraped.media_type)
