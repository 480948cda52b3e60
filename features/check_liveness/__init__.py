"""GET /health: the process is alive."""
