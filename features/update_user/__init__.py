"""PUT /api/users/{user_id}: change a user's email, name, password, role or status."""
