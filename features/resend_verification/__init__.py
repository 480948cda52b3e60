"""POST /api/users/me/verification: send the caller a fresh verification link."""
