"""POST /api/auth/revoke: RFC 7009 revocation; a refresh or access token ends its session."""
