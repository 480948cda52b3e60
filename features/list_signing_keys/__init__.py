"""`python main.py list-keys`: every signing key with its thumbprint and state."""
