"""Request of DELETE /api/users/{user_id}/sessions."""

from pydantic import BaseModel, ConfigDict


class EndUserSessionsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int
