"""GET /api/users/me: read the caller's own user."""
