"""Request and response of `retire-key`."""

from pydantic import BaseModel, ConfigDict


class RetireKeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kid: str | None = None


class RetireKeyResponse(BaseModel):
    retired: list[str]

    @property
    def message(self) -> str:
        if not self.retired:
            return "No previous key to retire."
        return "Retired: " + ", ".join(self.retired)
