"""The security room: passwords and tokens, free of any web framework."""
