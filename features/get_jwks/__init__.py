"""GET /.well-known/jwks.json: the public keys that verify this service's access tokens."""
