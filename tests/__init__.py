"""Fixtures, factories, cross-slice journeys and architecture tests."""
