"""The kernel every slice builds on: settings, database, model, security, errors."""
