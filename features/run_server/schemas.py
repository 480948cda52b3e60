"""Where the server listens."""

from pydantic import BaseModel, ConfigDict, Field


class RunServerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
