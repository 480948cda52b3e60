"""POST /api/auth/refresh: spend a refresh token for a new token pair (rotation)."""
