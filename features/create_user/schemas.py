"""Request and response bodies of POST /api/users."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.values import NO_CONTROL_CHARACTERS


class CreateUserRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    full_name: str | None = Field(default=None, max_length=200, pattern=NO_CONTROL_CHARACTERS)
    role: Literal["user", "admin"] | None = Field(default=None, description="Admins only.")
    is_active: bool | None = Field(default=None, description="Admins only.")
    email_verified: bool | None = Field(
        default=None, description="Admins only; true sends no verification message."
    )


class CreateUserResponse(BaseModel):
    id: int
    email: str
    full_name: str | None
    role: Literal["user", "admin"]
    is_active: bool
    email_verified: bool
    created_at: datetime
    updated_at: datetime
