"""Request body of POST /api/auth/logout."""

from pydantic import BaseModel, ConfigDict


class LogoutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str
