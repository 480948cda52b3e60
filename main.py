"""The composition root: settings, the kernel, every slice's routes and commands.

`uvicorn main:app` serves the app; `python main.py COMMAND` runs an operator or team command
(`python main.py --help` lists them: each is a slice's command.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import anyio.to_thread
from fastapi import FastAPI

import features
from shared.config import Settings, get_settings
from shared.db.engine import Database
from shared.db.schema import ensure_migrated
from shared.discovery import discover_commands, discover_slices
from shared.http.cors import CORSMiddleware
from shared.http.docs import add_offline_docs
from shared.http.middleware import RequestContextMiddleware
from shared.http.openapi import declare_implied_problems, operation_id
from shared.http.problems import install_error_handlers
from shared.http.routing import mount_routes
from shared.mail.sender import MailSender
from shared.observability import metrics
from shared.observability.logs import configure_logging
from shared.ratelimit.limiter import RateLimiter
from shared.security.access_tokens import TokenSettings
from shared.security.rotation import open_key_store

# Sync routes and dependencies run on this many threads; password hashing is capped at the
# core count separately, so a login storm cannot take every thread from readers.
THREADPOOL_SIZE = 100


def create_app(
    settings: Settings | None = None, *, slices: Collection[str] | None = None
) -> FastAPI:
    """The application with every slice mounted, or only the named `slices`."""
    settings = settings or get_settings()
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    database = Database.from_settings(settings)
    if settings.metrics_token is not None:
        metrics.enable(default_directory=settings.data_dir / "metrics")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ensure_migrated(database.engine)
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADPOOL_SIZE
        # --- mail: the outbox's sender runs beside the requests of this worker ---
        sender = MailSender(database, settings) if settings.mail_sender_enabled else None
        if sender is not None:
            sender.start()
        yield
        if sender is not None:
            await sender.stop()
        # --- end mail ---
        await database.close()

    app = FastAPI(
        title="Auth service",
        summary="Users, roles and authentication: drop it in front of your product.",
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        # The service counts requests (Prometheus) and logs them itself; FastAPI's own
        # OpenTelemetry hooks, with no provider configured, would only look one up per request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        # Served by add_offline_docs from a PyPI package: the docs work without the internet.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    secret = settings.signing_secret()
    app.state.token_settings = TokenSettings(
        secret=secret,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithm=settings.jwt_algorithm,
        access_ttl=settings.access_token_ttl,
        keys=open_key_store(
            algorithm=settings.jwt_algorithm,
            path=settings.keys_file,
            secret=secret,
            access_ttl=settings.access_token_ttl,
            generate=settings.app_env != "production",
            now=datetime.now(UTC),
        ),
    )
    app.state.rate_limiter = RateLimiter(settings)
    install_error_handlers(app)
    # The last added runs first: request ids and the body cap wrap everything, CORS included.
    app.add_middleware(CORSMiddleware, origins=settings.cors_origins)
    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.max_body_bytes,
        client_ip=app.state.rate_limiter.client_address,
    )
    add_offline_docs(app)
    for router in discover_slices(features, only=slices):
        mount_routes(app, router)
    declare_implied_problems(app)
    return app


def cli(argv: Sequence[str] | None = None) -> int:
    """`python main.py COMMAND ...`: every slice's command, found by discovery."""
    parser = argparse.ArgumentParser(prog="python main.py", description=__doc__)
    subcommands = parser.add_subparsers(dest="command_name", metavar="COMMAND", required=True)
    runners = {}
    for command in discover_commands(features):
        command.add_arguments(
            subcommands.add_parser(command.name, help=command.help, description=command.help)
        )
        runners[command.name] = command.run
    args = parser.parse_args(argv)
    return runners[args.command_name](args)


def __getattr__(name: str) -> FastAPI:
    # `uvicorn main:app` gets an app built on first access, so importing this module for
    # create_app (as the tests do) reads no settings and touches no files.
    if name == "app":
        return create_app()
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(cli())
