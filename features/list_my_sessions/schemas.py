"""Request and response bodies of GET /api/users/me/sessions."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ListMySessionsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListedSession(BaseModel):
    id: str
    ip: str | None = Field(description="The client address that logged in.")
    user_agent: str | None = Field(description="Its User-Agent, at most 256 characters.")
    created_at: datetime
    last_refreshed_at: datetime | None = Field(description="Null until the first refresh.")
    expires_at: datetime
    current: bool = Field(description="True for the session of the token making this request.")


class ListMySessionsResponse(BaseModel):
    items: list[ListedSession]
