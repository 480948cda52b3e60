"""Request and response of GET /metrics."""

from pydantic import BaseModel, ConfigDict, SecretStr


class GetMetricsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The bearer token presented, if any.
    token: SecretStr | None = None


class GetMetricsResponse(BaseModel):
    body: bytes
    media_type: str
