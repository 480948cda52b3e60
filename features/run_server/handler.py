"""Serve the app with uvicorn as production runs it, after checking the schema once."""

from typing import Any

import uvicorn

from features.run_server.schemas import RunServerRequest
from shared.config import Settings
from shared.db.engine import Database
from shared.db.schema import UnmigratedDatabaseError, ensure_migrated
from shared.observability.logs import log_config


def server_options(settings: Settings) -> dict[str, Any]:
    """How production runs uvicorn: several workers, no reload, proxies trusted by address only."""
    return {
        "workers": settings.web_concurrency,
        "reload": False,
        # One setting decides whom to believe, for uvicorn (client address and scheme) and the
        # rate limiter alike; with none, X-Forwarded-* are ignored entirely.
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": [str(network) for network in settings.trusted_proxies] or None,
        # SIGTERM stops taking connections and lets requests in flight finish, up to this long.
        "timeout_graceful_shutdown": settings.graceful_shutdown_seconds,
        "server_header": False,
        # The app writes its own access line (request id, user id, duration); uvicorn's would
        # be a second, poorer line for every request.
        "access_log": False,
        # uvicorn's own lines (start, stop, errors) in the service's format, JSON included.
        "log_config": log_config(log_format=settings.log_format, level=settings.log_level),
    }


def handle(request: RunServerRequest, *, settings: Settings) -> None:
    """Serve until stopped.

    Raises SystemExit with the message of UnmigratedDatabaseError: checked once here, so an
    unmigrated database gives one clear message, not one per worker.
    """
    database = Database.from_settings(settings)
    try:
        ensure_migrated(database.engine)
    except UnmigratedDatabaseError as exc:
        raise SystemExit(str(exc)) from None
    finally:
        database.dispose()
    uvicorn.run("main:app", host=request.host, port=request.port, **server_options(settings))
