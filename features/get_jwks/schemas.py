"""Request and response of GET /.well-known/jwks.json."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class JwksRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JwksResponse(BaseModel):
    keys: list[dict[str, Any]] = Field(
        description="RFC 7517 public keys (kid, kty, alg, use=sig); empty with HS256."
    )
