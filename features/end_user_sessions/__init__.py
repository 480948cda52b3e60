"""DELETE /api/users/{user_id}/sessions: an admin ends every session of a user."""
