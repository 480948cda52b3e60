"""Response body of GET /api/users/{user_id}."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class GetUserRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int


class GetUserResponse(BaseModel):
    id: int
    email: str
    full_name: str | None
    role: Literal["user", "admin"]
    is_active: bool
    email_verified: bool
    created_at: datetime
    updated_at: datetime
