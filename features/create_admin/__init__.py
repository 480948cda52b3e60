"""`python main.py create-admin EMAIL`: create or promote an admin without a running server."""
