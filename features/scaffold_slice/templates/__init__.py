"""The scaffold's templates: real slices (checked by ruff and mypy) with placeholder names."""
