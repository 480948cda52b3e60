"""GET /api/audit-events: an admin reads the audit trail, newest first, a page at a time."""
