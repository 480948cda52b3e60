"""GET /api/users/{user_id}: read one user, as themself or as an admin."""
