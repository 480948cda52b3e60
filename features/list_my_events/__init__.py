"""GET /api/users/me/events: the caller reads the audit events about them."""
