"""`python main.py rotate-keys`: publish a new signing key; it signs after the activation delay."""
