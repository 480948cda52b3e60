"""RFC 8414 metadata: where the token, JWKS, introspection and revocation endpoints are."""

from features.get_authorization_server_metadata.schemas import MetadataRequest, MetadataResponse

TOKEN_PATH = "/api/auth/login"  # noqa: S105 - a path
JWKS_PATH = "/.well-known/jwks.json"
INTROSPECTION_PATH = "/api/auth/introspect"
REVOCATION_PATH = "/api/auth/revoke"


def handle(request: MetadataRequest) -> MetadataResponse:
    """The metadata document for a server reached at `base_url`.

    Raises nothing.
    """
    base = request.base_url.rstrip("/")
    return MetadataResponse(
        # What the tokens carry as `iss`: a client compares the two.
        issuer=request.issuer,
        token_endpoint=base + TOKEN_PATH,
        jwks_uri=base + JWKS_PATH,
        introspection_endpoint=base + INTROSPECTION_PATH,
        revocation_endpoint=base + REVOCATION_PATH,
        grant_types_supported=["password", "refresh_token"],
        # No authorization endpoint: nothing is issued through a browser redirect.
        response_types_supported=[],
        # Public clients (a browser, a mobile app): the token endpoint asks no client secret.
        token_endpoint_auth_methods_supported=["none"],
        introspection_endpoint_auth_methods_supported=["client_secret_basic"],
        revocation_endpoint_auth_methods_supported=["none"],
    )
