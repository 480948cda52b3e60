"""Tests against real uvicorn servers: crashes, races, several workers, the first command."""
