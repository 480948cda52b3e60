"""Loads the shared fixtures (tests/fixtures.py) as a plugin for the cross-slice tests."""

pytest_plugins = ["tests.fixtures"]
