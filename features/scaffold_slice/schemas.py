"""What to scaffold, and what was written."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

SliceKind = Literal["http", "command"]


class ScaffoldSliceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    kind: SliceKind = "http"


class ScaffoldSliceResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    written: list[Path]
