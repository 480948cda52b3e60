"""Request body of POST /api/auth/logout."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LogoutScope = Literal["local", "others", "global"]


class LogoutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str
    scope: LogoutScope = Field(
        default="local",
        description=(
            "`local`: this token's session; `others`: every other session of the user, this "
            "one lives on; `global`: every session of the user."
        ),
    )
