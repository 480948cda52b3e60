"""Request body of POST /api/auth/password-reset/confirm."""

from pydantic import BaseModel, ConfigDict, Field


class ConfirmPasswordResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200, description="From the reset link.")
    password: str = Field(min_length=1, max_length=1024, description="The new password.")
