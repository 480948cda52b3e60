"""Request and response of `list-keys`."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ListKeysRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListedKey(BaseModel):
    kid: str  # the RFC 7638 thumbprint of the public key
    alg: str
    state: str
    created_at: datetime
    activates_at: datetime
    retired_at: datetime | None


class ListKeysResponse(BaseModel):
    keys: list[ListedKey]

    @property
    def table(self) -> str:
        lines = [f"{'kid (RFC 7638 thumbprint)':<45} {'alg':<6} {'state':<9} activates_at"]
        lines += [
            f"{key.kid:<45} {key.alg:<6} {key.state:<9} "
            f"{key.activates_at.isoformat(timespec='seconds')}"
            for key in self.keys
        ]
        return "\n".join(lines)
