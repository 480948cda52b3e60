"""Why GET /metrics was refused."""

from shared.errors import NotFoundError, UnauthorizedError


class MetricsDisabledError(NotFoundError):
    """No METRICS_TOKEN: the endpoint answers as any unknown path does."""


class MetricsTokenError(UnauthorizedError):
    """The token presented is missing or is not METRICS_TOKEN."""

    default_detail = "Present the metrics token as Authorization: Bearer."
