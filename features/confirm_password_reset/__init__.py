"""POST /api/auth/password-reset/confirm: set a new password with a mailed reset token."""
