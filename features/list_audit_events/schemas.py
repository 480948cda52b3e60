"""Query parameters and response body of GET /api/audit-events."""

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.audit.cursor import CursorParam
from shared.audit.events import EventType, Outcome
from shared.values import MAX_ROW_ID


class ListAuditEventsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int | None = Field(
        default=None, ge=1, le=MAX_ROW_ID, description="Only events about this user."
    )
    type: EventType | None = Field(default=None, description="Only events of this type.")
    outcome: Outcome | None = None
    since: AwareDatetime | None = Field(
        default=None, description="Only events at or after this time (RFC 3339, with a zone)."
    )
    until: AwareDatetime | None = Field(
        default=None, description="Only events before this time (RFC 3339, with a zone)."
    )
    limit: int = Field(default=50, ge=1, le=200, description="Page size.")
    cursor: CursorParam | None = None


class ListedEvent(BaseModel):
    id: int
    occurred_at: datetime
    type: str
    outcome: str
    reason: str | None
    user_id: int | None = Field(description="Whom the event is about.")
    actor_user_id: int | None = Field(description="An admin acting on the user, else null.")
    session_id: str | None
    ip: str | None
    user_agent: str | None
    request_id: str | None


class ListAuditEventsResponse(BaseModel):
    items: list[ListedEvent]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")
