"""Query parameters and response body of GET /api/users."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.values import NO_CONTROL_CHARACTERS


class ListUsersQuery(BaseModel):
    limit: int = Field(default=50, ge=1, le=100, description="Page size.")
    # Bounded so that no offset a client sends can overflow the database's integer.
    offset: int = Field(default=0, ge=0, le=2**62, description="How many users to skip.")
    email: str | None = Field(
        default=None,
        min_length=1,
        max_length=320,
        pattern=NO_CONTROL_CHARACTERS,
        description="Only users whose email contains this, in any case.",
    )


class ListedUser(BaseModel):
    id: int
    email: str
    full_name: str | None
    role: Literal["user", "admin"]
    is_active: bool
    email_verified: bool
    created_at: datetime
    updated_at: datetime


class ListUsersResponse(BaseModel):
    items: list[ListedUser]
    total: int = Field(description="How many users match, over all pages.")
    limit: int
    offset: int
