"""DELETE /api/users/{user_id}: delete a user and their sessions."""
