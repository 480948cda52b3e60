"""The database room: engine and sessions, SQLite tuning, the model and its migrations."""
