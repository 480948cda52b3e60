"""Request and response of GET /health."""

from typing import Literal

from pydantic import BaseModel, ConfigDict


class LivenessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LivenessResponse(BaseModel):
    status: Literal["ok"] = "ok"
