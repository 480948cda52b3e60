"""Request and response bodies of POST /api/auth/verify-email."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class VerifyEmailRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200, description="From the verification link.")


class VerifyEmailResponse(BaseModel):
    id: int
    email: str
    full_name: str | None
    role: Literal["user", "admin"]
    is_active: bool
    email_verified: bool
    created_at: datetime
    updated_at: datetime
