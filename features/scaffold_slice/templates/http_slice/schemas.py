"""Request and response of GET /api/http-slice."""

from pydantic import BaseModel, ConfigDict


class HttpSliceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HttpSliceResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int
