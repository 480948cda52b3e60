"""The observability room: structured logs and security events."""
