"""Query parameters and response body of GET /api/users/me/events."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.audit.cursor import CursorParam


class ListMyEventsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=200, description="Page size.")
    cursor: CursorParam | None = None


class ListedEvent(BaseModel):
    id: int
    occurred_at: datetime
    type: str
    outcome: str
    reason: str | None
    user_id: int | None
    actor_user_id: int | None = Field(description="An admin acting on you, else null.")
    session_id: str | None
    ip: str | None
    user_agent: str | None
    request_id: str | None


class ListMyEventsResponse(BaseModel):
    items: list[ListedEvent]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")
