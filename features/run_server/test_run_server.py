"""`python main.py serve`: uvicorn's options, and the refusal to serve an unmigrated database."""

from pathlib import Path

import pytest

from features.run_server import handler
from features.run_server.schemas import RunServerRequest
from main import cli
from shared.config import get_settings
from tests.fixtures import make_settings


def test_worker_count_and_trusted_proxies_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5, 192.168.0.0/24")
    monkeypatch.setenv("GRACEFUL_SHUTDOWN_SECONDS", "12")
    options = handler.server_options(make_settings(tmp_path))
    assert options["workers"] == 4
    assert options["forwarded_allow_ips"] == ["10.0.0.5/32", "192.168.0.0/24"]
    assert options["timeout_graceful_shutdown"] == 12
    assert options["proxy_headers"] is True
    assert options["reload"] is False


def test_proxy_headers_are_ignored_unless_a_proxy_is_trusted(tmp_path: Path) -> None:
    options = handler.server_options(make_settings(tmp_path))
    assert options["proxy_headers"] is False
    assert options["forwarded_allow_ips"] is None


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SystemExit, match="make migrate"):
        handler.handle(RunServerRequest(host="127.0.0.1", port=1), settings=settings)


def test_serve_command_reads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("JWT_SECRET", "x" * 32)
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit, match="make migrate"):
            cli(["serve", "--port", "1"])
    finally:
        get_settings.cache_clear()
