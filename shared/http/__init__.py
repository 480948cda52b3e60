"""The HTTP room: problem details, OpenAPI completion, middleware and the caller dependencies."""
