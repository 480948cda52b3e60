"""Request and response of GET /health/ready."""

from typing import Literal

from pydantic import BaseModel, ConfigDict


class ReadinessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReadinessResponse(BaseModel):
    status: Literal["ready"] = "ready"
    database: Literal["ok"] = "ok"
