"""GET /metrics: 404 without METRICS_TOKEN, 401 without the right one, route templates only."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Connection

from features.get_metrics import handler
from features.get_metrics.errors import MetricsDisabledError, MetricsTokenError
from features.get_metrics.schemas import GetMetricsRequest
from shared.config import Settings
from tests.fixtures import app_for

TOKEN = "scraper-token-0123456789"


@pytest.fixture
def metrics_client(settings: Settings, connection: Connection) -> Iterator[TestClient]:
    enabled = settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    with TestClient(
        app_for(enabled, connection, slices=["get_metrics"]), raise_server_exceptions=False
    ) as client:
        yield client


def scrape(client: TestClient) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    prefix = f"{name}{{{wanted}}} " if labels else f"{name} "
    found = [line for line in text.splitlines() if line.startswith(prefix)]
    return float(found[0].split()[-1]) if found else 0.0


def test_without_metrics_token_the_endpoint_does_not_exist(client: TestClient) -> None:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong-token",
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        "Bearer ",
        "Bearer é".encode(),
    ],
)
def test_a_missing_or_wrong_token_is_401(
    metrics_client: TestClient, authorization: str | bytes | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = metrics_client.get("/metrics", headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "not_authenticated"
    assert "http_requests_total" not in response.text


def test_requests_are_counted_by_route_template_never_by_raw_path(
    metrics_client: TestClient,
) -> None:
    before = scrape(metrics_client)
    metrics_client.get("/nowhere/4711?secret=query")
    after = scrape(metrics_client)
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    assert sample(after, "http_requests_total", **labels) == (
        sample(before, "http_requests_total", **labels) + 1
    )
    # The scrape before this one is counted under the template it matched.
    assert sample(after, "http_requests_total", method="GET", route="/metrics", status="200") >= 1
    assert "/nowhere" not in after
    assert "secret" not in after
    assert 'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="unmatched"}' in after


def test_unknown_methods_share_one_label(metrics_client: TestClient) -> None:
    metrics_client.request("BREW", "/metrics")
    text = scrape(metrics_client)
    assert "BREW" not in text
    assert sample(text, "http_requests_total", method="other", route="/metrics", status="405") >= 1


def test_handler_compares_the_token(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, metrics_token=SecretStr(TOKEN))
    with pytest.raises(MetricsTokenError):
        handler.handle(GetMetricsRequest(token=SecretStr("nope")), settings=settings)
    with pytest.raises(MetricsTokenError):
        handler.handle(GetMetricsRequest(), settings=settings)
    with pytest.raises(MetricsDisabledError):
        handler.handle(
            GetMetricsRequest(token=SecretStr(TOKEN)),
            settings=Settings(_env_file=None, data_dir=tmp_path),
        )


def test_an_empty_metrics_token_means_no_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METRICS_TOKEN", "  ")
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert settings.metrics_token is None
