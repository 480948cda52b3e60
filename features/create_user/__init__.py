"""POST /api/users: sign up, or an admin creates a user."""
