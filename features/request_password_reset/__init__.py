"""POST /api/auth/password-reset: mail a reset link to an account's address, if it has one."""
