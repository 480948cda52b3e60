"""GET /api/users: admins page through users, optionally filtered by email."""
