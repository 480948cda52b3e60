"""Request of DELETE /api/users/me/sessions/{session_id}."""

from pydantic import BaseModel, ConfigDict


class EndMySessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: str
