"""POST /api/auth/verify-email: prove an address with the token from a verification link."""
