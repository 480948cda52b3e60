"""Request and response bodies of POST /api/auth/refresh."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str


class RefreshResponse(BaseModel):
    access_token: str
    refresh_token: str = Field(description="The successor; the refresh token sent is now spent.")
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="Seconds the access token is valid for.")
    refresh_expires_in: int = Field(
        description="Seconds the session is still valid for; rotation does not extend it."
    )
