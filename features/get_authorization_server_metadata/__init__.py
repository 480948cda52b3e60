"""GET /.well-known/oauth-authorization-server: RFC 8414 metadata for OAuth2 clients."""
