"""Journeys that span slices, and hostile input against every route."""
