"""What the purge is asked to do, and what it did."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PurgeAuditEventsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    older_than: datetime = Field(description="Events that occurred before this go.")
    batch_size: int = Field(default=500, ge=1, le=10_000)


class PurgeAuditEventsResponse(BaseModel):
    deleted: int
