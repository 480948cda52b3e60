"""Request and response bodies of POST /api/auth/login."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.values import NO_CONTROL_CHARACTERS


class LoginRequest(BaseModel):
    """The JSON body."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=320, pattern=NO_CONTROL_CHARACTERS)
    password: str = Field(min_length=1, max_length=1024)


class LoginForm(BaseModel):
    """The OAuth2 password grant (RFC 6749 4.3) as Swagger UI's Authorize button sends it."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        min_length=1,
        max_length=320,
        pattern=NO_CONTROL_CHARACTERS,
        description="The account's email.",
    )
    password: str = Field(min_length=1, max_length=1024)
    grant_type: Literal["password"] | None = None
    scope: str = Field(default="", max_length=1024, description="Ignored: no scopes exist.")
    client_id: str | None = Field(default=None, max_length=1024, description="Ignored.")
    client_secret: str | None = Field(default=None, max_length=1024, description="Ignored.")

    def to_login_request(self) -> LoginRequest:
        return LoginRequest(email=self.username, password=self.password)


class RefreshGrantForm(BaseModel):
    """The OAuth2 refresh grant (RFC 6749 section 6): rotation as POST /api/auth/refresh."""

    model_config = ConfigDict(extra="forbid")

    grant_type: Literal["refresh_token"]
    refresh_token: str = Field(min_length=1, max_length=1024)
    scope: str = Field(default="", max_length=1024, description="Ignored: no scopes exist.")
    client_id: str | None = Field(default=None, max_length=1024, description="Ignored.")
    client_secret: str | None = Field(default=None, max_length=1024, description="Ignored.")


class LoginResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="Seconds the access token is valid for.")
    refresh_expires_in: int = Field(
        description="Seconds the session (and so every refresh token of it) is valid for."
    )
