"""DELETE /api/users/me/sessions/{session_id}: end one of the caller's sessions."""
