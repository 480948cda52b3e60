"""The kernel's rooms, tested through their own interfaces and the app."""
