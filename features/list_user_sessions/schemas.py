"""Request and response bodies of GET /api/users/{user_id}/sessions."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ListUserSessionsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int


class ListedSession(BaseModel):
    id: str
    ip: str | None = Field(description="The client address that logged in.")
    user_agent: str | None = Field(description="Its User-Agent, at most 256 characters.")
    created_at: datetime
    last_refreshed_at: datetime | None = Field(description="Null until the first refresh.")
    expires_at: datetime
    current: bool = Field(description="Always false here: the admin's own is not among them.")


class ListUserSessionsResponse(BaseModel):
    items: list[ListedSession]
