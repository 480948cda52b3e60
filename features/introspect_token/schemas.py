"""Request and response of POST /api/auth/introspect (RFC 7662)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class IntrospectionForm(BaseModel):
    """The form body; RFC 7662 lets a client add parameters, so the hint is accepted."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=16_384)
    token_type_hint: str | None = Field(default=None, max_length=64)


class IntrospectionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str
    client_id: str | None = Field(description="From HTTP Basic; None when none was sent.")
    client_secret: SecretStr | None


class IntrospectionResponse(BaseModel):
    """`active` alone when the token is not live; every member when it is."""

    active: bool
    sub: str | None = None
    sid: str | None = None
    exp: int | None = None
    iat: int | None = None
    iss: str | None = None
    aud: str | None = None
    jti: str | None = None
    token_type: Literal["access_token"] | None = None
    role: str | None = None
