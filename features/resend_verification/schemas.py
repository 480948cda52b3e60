"""Response body of POST /api/users/me/verification."""

from pydantic import BaseModel

SENT = "A new verification link is on its way; earlier links no longer work."


class ResendVerificationResponse(BaseModel):
    detail: str = SENT
