"""`python main.py migrate`: bring the database to the newest migration (`make migrate`)."""
