"""Request and response of GET /.well-known/oauth-authorization-server."""

from pydantic import BaseModel, ConfigDict


class MetadataRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str
    issuer: str


class MetadataResponse(BaseModel):
    """RFC 8414 section 2."""

    issuer: str
    token_endpoint: str
    jwks_uri: str
    introspection_endpoint: str
    revocation_endpoint: str
    grant_types_supported: list[str]
    response_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    introspection_endpoint_auth_methods_supported: list[str]
    revocation_endpoint_auth_methods_supported: list[str]
