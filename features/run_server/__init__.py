"""`python main.py serve`: the production server, as `make serve` starts it."""
