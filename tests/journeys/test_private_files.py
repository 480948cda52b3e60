"""Every file the service writes is readable by its own user only (0600), in a 0700 folder."""

from __future__ import annotations

import stat
from pathlib import Path

from fastapi.testclient import TestClient

from main import create_app
from shared.db.schema import upgrade_to_head
from tests.fixtures import make_settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_its_wal_and_shm_and_the_generated_secret_are_private(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    database = data_dir / "app.db"
    url = f"sqlite:///{database}"
    upgrade_to_head(url)
    settings = make_settings(data_dir, database_url=url, jwt_secret=None)
    with TestClient(create_app(settings)) as client:
        body = {"email": "files@example.com", "password": "Correct-Horse-Battery-9"}
        assert client.post("/api/users", json=body).status_code == 201
        # While the server runs (the WAL and its index exist only then).
        written = {
            path.name: mode(path)
            for path in data_dir.iterdir()
            if path.name in {"app.db", "app.db-wal", "app.db-shm", "jwt_secret"}
        }
    assert written == dict.fromkeys(("app.db", "app.db-wal", "app.db-shm", "jwt_secret"), 0o600)
    assert mode(data_dir) == 0o700
