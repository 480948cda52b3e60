"""POST /api/auth/login: exchange an email and password for an access and refresh token."""
