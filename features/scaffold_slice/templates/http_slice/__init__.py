"""GET /api/http-slice: http slice (say what the use case is for)."""
