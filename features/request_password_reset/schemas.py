"""Request and response bodies of POST /api/auth/password-reset."""

from pydantic import BaseModel, ConfigDict, EmailStr, Field

ACCEPTED = "If an active account has this email, a message with a reset link is on its way."


class RequestPasswordResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=320)


class RequestPasswordResetResponse(BaseModel):
    """The same whether or not an account has the email: the answer is no oracle."""

    detail: str = ACCEPTED
