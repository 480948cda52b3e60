"""Metrics of a real server with two workers: every scrape reports the whole server's total."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures import server_env, start_server, stop_server

pytestmark = pytest.mark.server

TOKEN = "live-scraper-token-42"
REQUESTS = 60


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_two_workers_report_one_total(tmp_path: Path, live_database_url: str) -> None:
    env = server_env(tmp_path, DATABASE_URL=live_database_url, METRICS_TOKEN=TOKEN)
    server = start_server(env, workers=2)
    try:

        def one_request(n: int) -> int:
            # A connection each, so the kernel hands them to both workers.
            path = "/api/users/4711" if n % 2 else "/health"
            return httpx.get(f"{server.url}{path}", timeout=30).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(one_request, range(REQUESTS)))
        login = httpx.post(
            f"{server.url}/api/auth/login",
            json={"email": "nobody@example.com", "password": "not the password"},
        )
        scrapes = [
            httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
            for _ in range(6)
        ]
        refused = httpx.get(f"{server.url}/metrics").status_code
    finally:
        stop_server(server)
    assert statuses.count(200) == statuses.count(401) == REQUESTS // 2
    assert login.status_code == 401
    assert refused == 401
    writers = {path.name.rsplit("_", 1)[1] for path in (tmp_path / "metrics").glob("counter_*")}
    assert len(writers) == 2, "both workers served requests"
    for text in scrapes:
        found = samples(text)
        health = frozenset({("method", "GET"), ("route", "/health"), ("status", "200")})
        user = frozenset({("method", "GET"), ("route", "/api/users/{user_id}"), ("status", "401")})
        # /health also answered start_server's readiness probes: at least, not exactly.
        assert found[("http_requests_total", health)] >= REQUESTS // 2
        assert found[("http_requests_total", user)] == REQUESTS // 2
        assert found[("auth_logins_total", frozenset({("outcome", "invalid_credentials")}))] == 1
        assert found[("auth_password_hash_seconds_count", frozenset())] >= 1
        assert not any("4711" in str(key) for key in found)
