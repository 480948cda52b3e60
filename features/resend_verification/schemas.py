"""Request and response of POST /api/users/me/verification."""

from pydantic import BaseModel, ConfigDict

SENT = "A new verification link is on its way; earlier links no longer work."


class ResendVerificationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResendVerificationResponse(BaseModel):
    detail: str = SENT
