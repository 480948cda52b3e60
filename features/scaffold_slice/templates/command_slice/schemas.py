"""Arguments and result of command-slice."""

from pydantic import BaseModel, ConfigDict


class CommandSliceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = False


class CommandSliceResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changed: int
