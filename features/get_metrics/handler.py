"""Serve the metrics to whoever presents METRICS_TOKEN."""

import hmac

from features.get_metrics.errors import MetricsDisabledError, MetricsTokenError
from features.get_metrics.schemas import GetMetricsRequest, GetMetricsResponse
from shared.config import Settings
from shared.observability import metrics


def handle(request: GetMetricsRequest, *, settings: Settings) -> GetMetricsResponse:
    """Every worker's figures, summed, in Prometheus text format.

    Raises MetricsDisabledError when METRICS_TOKEN is unset, MetricsTokenError when the token
    presented is missing or wrong.
    """
    if settings.metrics_token is None:
        raise MetricsDisabledError()
    expected = settings.metrics_token.get_secret_value().encode()
    presented = request.token.get_secret_value().encode() if request.token else b""
    # Constant time: how much of a guess was right must not show in the answer's timing.
    if not hmac.compare_digest(presented, expected):
        raise MetricsTokenError()
    return GetMetricsResponse(body=metrics.exposition(), media_type=metrics.CONTENT_TYPE)
