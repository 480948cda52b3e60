"""Request and response bodies of PUT /api/users/{user_id}."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from shared.values import NO_CONTROL_CHARACTERS


class UpdateUserRequest(BaseModel):
    """A partial update: only the fields sent change. `null` clears `full_name` only."""

    model_config = ConfigDict(extra="forbid")

    # `| SkipJsonSchema[None]`: absent means "unchanged", while an explicit null is refused.
    # Length limits sit on the non-null member: on the union they would be applied to null too.
    email: Annotated[EmailStr, Field(max_length=320)] | SkipJsonSchema[None] = None
    full_name: str | None = Field(default=None, max_length=200, pattern=NO_CONTROL_CHARACTERS)
    password: Annotated[str, Field(min_length=1, max_length=1024)] | SkipJsonSchema[None] = None
    role: Literal["user", "admin"] | SkipJsonSchema[None] = Field(
        default=None, description="Admins only."
    )
    is_active: bool | SkipJsonSchema[None] = Field(default=None, description="Admins only.")
    email_verified: bool | SkipJsonSchema[None] = Field(default=None, description="Admins only.")
    current_password: (
        Annotated[str, Field(min_length=1, max_length=1024)] | SkipJsonSchema[None]
    ) = Field(default=None, description="Required to change your own email or password.")

    @field_validator("email", "password", "role", "is_active", "email_verified", "current_password")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class UpdateUserResponse(BaseModel):
    id: int
    email: str
    full_name: str | None
    role: Literal["user", "admin"]
    is_active: bool
    email_verified: bool
    created_at: datetime
    updated_at: datetime
