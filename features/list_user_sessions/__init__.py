"""GET /api/users/{user_id}/sessions: an admin lists a user's live sessions."""
