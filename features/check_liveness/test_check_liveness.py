"""GET /health."""

from fastapi.testclient import TestClient

from features.check_liveness import handler
from features.check_liveness.schemas import LivenessRequest


def test_health_answers_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-content-type-options"] == "nosniff"


def test_handler_reports_ok() -> None:
    assert handler.handle(LivenessRequest()).status == "ok"
