"""GET /.well-known/oauth-authorization-server."""

from fastapi.testclient import TestClient

from features.get_authorization_server_metadata import handler
from features.get_authorization_server_metadata.schemas import MetadataRequest

URL = "/.well-known/oauth-authorization-server"


def test_metadata_names_every_endpoint_and_grant(client: TestClient) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["issuer"] == "authservice"
    assert body["token_endpoint"] == "http://testserver/api/auth/login"
    assert body["jwks_uri"] == "http://testserver/.well-known/jwks.json"
    assert body["introspection_endpoint"] == "http://testserver/api/auth/introspect"
    assert body["revocation_endpoint"] == "http://testserver/api/auth/revoke"
    assert body["grant_types_supported"] == ["password", "refresh_token"]
    assert "none" in body["token_endpoint_auth_methods_supported"]


def test_a_trailing_slash_in_the_base_is_not_doubled() -> None:
    metadata = handler.handle(MetadataRequest(base_url="https://auth.example.com/", issuer="i"))
    assert metadata.jwks_uri == "https://auth.example.com/.well-known/jwks.json"
