"""Loads the shared fixtures (tests/fixtures.py) as a plugin for every slice's tests."""

pytest_plugins = ["tests.fixtures"]
