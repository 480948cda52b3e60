"""POST /api/auth/logout: end the login session a refresh token belongs to."""
