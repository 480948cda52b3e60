"""The composition root: create_app() wires the kernel and discovers every slice.

Also the operator's command line: `python main.py create-admin EMAIL` and `python main.py serve`.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import anyio.to_thread
import uvicorn
from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, FastAPI
from sqlalchemy import select

import features
from shared.auth import revoke_user_sessions
from shared.config import Settings, get_settings
from shared.db import Database, UnmigratedDatabaseError, ensure_migrated
from shared.errors import install_error_handlers
from shared.middleware import RequestContextMiddleware
from shared.models import Role, User, email_key
from shared.security import TokenSettings, dummy_hash, hash_password, password_problems

logger = logging.getLogger("authservice")

# Sync routes and dependencies run on this many threads; password hashing is capped at the
# core count separately, so a login storm cannot take every thread from readers.
THREADPOOL_SIZE = 100


def discover_slices() -> list[ModuleType]:
    """Every `features/<slice>/endpoint.py`, in alphabetical order of the slice's folder."""
    modules = []
    for info in sorted(pkgutil.iter_modules(features.__path__), key=lambda found: found.name):
        if info.ispkg:
            modules.append(importlib.import_module(f"features.{info.name}.endpoint"))
    return modules


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = Database.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ensure_migrated(database.engine)
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADPOOL_SIZE
        # Made now rather than on the first unknown-email login, which would then be slower.
        await anyio.to_thread.run_sync(dummy_hash, settings.bcrypt_rounds)
        yield
        database.dispose()

    app = FastAPI(
        title="Auth service",
        summary="Users, roles and authentication: drop it in front of your product.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.token_settings = TokenSettings(
        secret=settings.signing_secret(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithm=settings.jwt_algorithm,
        access_ttl=settings.access_token_ttl,
    )
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    for module in discover_slices():
        router = getattr(module, "router", None)
        if not isinstance(router, APIRouter):
            raise TypeError(f"{module.__name__} must define `router = APIRouter(...)`")
        app.include_router(router)
    return app


# --- the operator's command line -----------------------------------------------------------


def create_admin(
    email: str, *, password: str | None, full_name: str | None, settings: Settings
) -> str:
    """Create an admin, or promote (and activate) an existing user. Returns what was done."""
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise SystemExit(f"Not a valid email address: {exc}") from None
    key = email_key(email)
    if password is not None:
        problems = password_problems(password, email=email, min_length=settings.password_min_length)
        if problems:
            raise SystemExit("Password refused: " + " ".join(problems))
    database = Database.from_settings(settings)
    try:
        ensure_migrated(database.engine)
        with database.write_sessions() as session:
            user = session.scalars(select(User).where(User.email_key == key)).one_or_none()
            if user is None:
                if password is None:
                    raise SystemExit(
                        "No password: set ADMIN_PASSWORD or run in a terminal to be prompted."
                    )
                user = User(
                    email=email.strip(),
                    email_key=key,
                    full_name=full_name,
                    hashed_password=hash_password(password, rounds=settings.bcrypt_rounds),
                    role=Role.ADMIN.value,
                    is_active=True,
                )
                session.add(user)
                session.commit()
                return f"created admin {user.email} (id {user.id})"
            user.role = Role.ADMIN.value
            user.is_active = True
            if password is not None:
                user.hashed_password = hash_password(password, rounds=settings.bcrypt_rounds)
            if full_name is not None:
                user.full_name = full_name
            # A role change revokes every earlier token: the user logs in again as an admin.
            revoke_user_sessions(session, user_id=user.id)
            session.commit()
            return f"promoted {user.email} (id {user.id}) to admin"
    finally:
        database.dispose()


def _read_admin_password(*, required: bool) -> str | None:
    from_env = os.environ.get("ADMIN_PASSWORD")
    if from_env:
        return from_env
    if not required or not sys.stdin.isatty():
        return None
    first = getpass.getpass("Password for the admin: ")
    if first != getpass.getpass("Repeat it: "):
        raise SystemExit("The two passwords differ.")
    return first


def server_options(settings: Settings) -> dict[str, Any]:
    """How production runs uvicorn: several workers, no reload, proxies trusted by address only."""
    return {
        "workers": settings.web_concurrency,
        "reload": False,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        # SIGTERM stops taking connections and lets requests in flight finish, up to this long.
        "timeout_graceful_shutdown": settings.graceful_shutdown_seconds,
        "server_header": False,
    }


def serve(settings: Settings, *, host: str, port: int) -> None:
    database = Database.from_settings(settings)
    try:
        # Checked once here, so an unmigrated database gives one clear message, not one per worker.
        ensure_migrated(database.engine)
    except UnmigratedDatabaseError as exc:
        raise SystemExit(str(exc)) from None
    finally:
        database.dispose()
    uvicorn.run("main:app", host=host, port=port, **server_options(settings))


def cli(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python main.py", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser(
        "create-admin",
        help="create an admin, or promote an existing user (password: ADMIN_PASSWORD or prompt)",
    )
    admin.add_argument("email")
    admin.add_argument("--full-name", default=None)
    server = commands.add_parser(
        "serve", help="the production server (WEB_CONCURRENCY workers, FORWARDED_ALLOW_IPS)"
    )
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command == "serve":
        serve(settings, host=args.host, port=args.port)
        return 0
    exists = _user_exists(args.email, settings=settings)
    password = _read_admin_password(required=not exists)
    print(create_admin(args.email, password=password, full_name=args.full_name, settings=settings))
    return 0


def _user_exists(email: str, *, settings: Settings) -> bool:
    database = Database.from_settings(settings)
    try:
        ensure_migrated(database.engine)
        with database.read_sessions() as session:
            found = session.scalar(select(User.id).where(User.email_key == email_key(email)))
        return found is not None
    finally:
        database.dispose()


def __getattr__(name: str) -> FastAPI:
    # `uvicorn main:app` gets an app built on first access, so importing this module for
    # create_app (as the tests do) reads no settings and touches no files.
    if name == "app":
        return create_app()
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(cli())
