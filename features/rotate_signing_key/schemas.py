"""Request and response of `rotate-keys`."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class RotateKeysRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RotateKeysResponse(BaseModel):
    kid: str
    alg: str
    activates_at: datetime

    @property
    def message(self) -> str:
        return (
            f"New {self.alg} key {self.kid} published; it signs from "
            f"{self.activates_at.isoformat(timespec='seconds')}."
        )
