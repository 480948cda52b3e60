"""GET /health/ready."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from features.check_readiness import handler
from features.check_readiness.schemas import ReadinessRequest
from main import create_app
from tests.fixtures import make_settings


def test_ready_when_database_answers(client: TestClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok"}


def test_not_ready_when_database_is_gone(tmp_path: Path) -> None:
    # A directory where the database file should be: SQLite cannot open it.
    (tmp_path / "missing.db").mkdir()
    settings = make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'missing.db'}")
    app = create_app(settings)
    # Without `with`, the lifespan (and its refusal of an unmigrated database) does not run.
    response = TestClient(app, raise_server_exceptions=False).get("/health/ready")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "database_unavailable"


def test_handler_answers_ready(db_session: Session) -> None:
    assert handler.handle(ReadinessRequest(), session=db_session).database == "ok"
