"""Request body of POST /api/auth/revoke (RFC 7009)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RevokeRequest(BaseModel):
    """The form body; a public client may also send its client_id (it is not checked)."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=16_384)
    token_type_hint: Literal["access_token", "refresh_token"] | str | None = Field(
        default=None, max_length=64, description="Only a hint: both kinds are tried."
    )
    client_id: str | None = Field(default=None, max_length=1024, description="Ignored.")
    client_secret: str | None = Field(default=None, max_length=1024, description="Ignored.")
