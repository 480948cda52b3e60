"""GET /.well-known/oauth-authorization-server: the HTTP side of the RFC 8414 metadata."""

from fastapi import APIRouter, Request, Response

from features.get_authorization_server_metadata import handler
from features.get_authorization_server_metadata.schemas import MetadataRequest, MetadataResponse
from shared.http.dependencies import SettingsDep

router = APIRouter(tags=["tokens"])


@router.get("/.well-known/oauth-authorization-server")
def get_authorization_server_metadata(
    request: Request, response: Response, settings: SettingsDep
) -> MetadataResponse:
    """OAuth2 authorization server metadata (RFC 8414): endpoints, grants, auth methods."""
    response.headers["Cache-Control"] = "public, max-age=3600"
    return handler.handle(
        MetadataRequest(base_url=str(request.base_url), issuer=settings.jwt_issuer)
    )
