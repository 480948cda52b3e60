"""GET /api/users/me/sessions: the caller's live login sessions, newest first."""
