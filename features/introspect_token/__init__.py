"""POST /api/auth/introspect: RFC 7662 token introspection for listed backend clients."""
