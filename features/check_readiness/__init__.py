"""GET /health/ready: the database answers."""
