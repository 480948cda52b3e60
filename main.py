"""The composition root: create_app() wires the kernel and discovers every slice.

Also the command line: `python main.py create-admin EMAIL` and `python main.py serve` for
operators, `python main.py new-slice verb_noun` for feature teams.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import importlib.resources
import importlib.util
import keyword
import logging
import os
import re
import sys
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio.to_thread
import uvicorn
from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select

import features
from shared.accounts.revocation import revoke_user_sessions
from shared.config import Settings, get_settings
from shared.db.engine import Database
from shared.db.models import Role, User, email_key
from shared.db.schema import UnmigratedDatabaseError, ensure_migrated
from shared.http.cors import CORSMiddleware
from shared.http.middleware import RequestContextMiddleware
from shared.http.openapi import complete_problem_responses
from shared.http.problems import install_error_handlers
from shared.mail.sender import MailSender
from shared.observability.logs import configure_logging
from shared.ratelimit.limiter import RateLimiter
from shared.security.access_tokens import TokenSettings
from shared.security.passwords import hash_password, password_problems

logger = logging.getLogger("authservice")

# Sync routes and dependencies run on this many threads; password hashing is capped at the
# core count separately, so a login storm cannot take every thread from readers.
THREADPOOL_SIZE = 100

# Swagger UI and ReDoc as the fastapi-offline package ships them, instead of from a CDN.
DOCS_ASSETS_DIR = str(importlib.resources.files("fastapi_offline") / "static")
DOCS_ASSETS_URL = "/docs/assets"
FEATURES_DIR = Path(__file__).resolve().parent / "features"


class SliceError(RuntimeError):
    """A folder under features/ is not a slice discovery can mount; the message says why."""


def slice_names(package: ModuleType = features) -> list[str]:
    """Every folder under the package (a slice), in alphabetical order."""
    folders = {
        entry.name
        for path in package.__path__
        for entry in Path(path).iterdir()
        if entry.is_dir() and not entry.name.startswith(("_", "."))
    }
    return sorted(folders)


def discover_slices(
    package: ModuleType = features, *, only: Collection[str] | None = None
) -> list[APIRouter]:
    """The `router` of every `<package>/<slice>/endpoint.py`, in alphabetical order of slice.

    `only` mounts just those slices: a slice's own tests mount only the slice under test.
    """
    names = slice_names(package)
    if only is not None:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise SliceError(f"No such slice under {package.__name__}/: {', '.join(unknown)}")
        names = [name for name in names if name in only]
    routers = []
    for name in names:
        module_name = f"{package.__name__}.{name}.endpoint"
        if importlib.util.find_spec(module_name) is None:
            raise SliceError(
                f"{package.__name__}/{name}/ has no endpoint.py: every folder under "
                f"{package.__name__}/ is a slice and needs endpoint.py defining "
                "`router = APIRouter(...)` (`python main.py new-slice verb_noun` writes one)."
            )
        router = getattr(importlib.import_module(module_name), "router", None)
        if not isinstance(router, APIRouter):
            raise SliceError(f"{module_name} must define `router = APIRouter(...)`")
        routers.append(router)
    return routers


def operation_id(route: APIRoute) -> str:
    """The path operation function's name, which is its slice's: generated clients get
    `create_user`, not `create_user_api_users_post`."""
    return route.name


def create_app(
    settings: Settings | None = None, *, slices: Collection[str] | None = None
) -> FastAPI:
    """The application with every slice mounted, or only the named `slices`."""
    settings = settings or get_settings()
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    database = Database.from_settings(settings)

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
        database.dispose()

    app = FastAPI(
        title="Auth service",
        summary="Users, roles and authentication: drop it in front of your product.",
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        # Served by add_offline_docs from a PyPI package: the docs work without the internet.
        docs_url=None,
        redoc_url=None,
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
    app.state.rate_limiter = RateLimiter(settings)
    install_error_handlers(app)
    # The last added runs first: request ids and the body cap wrap everything, CORS included.
    app.add_middleware(CORSMiddleware, origins=settings.cors_origins)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    add_offline_docs(app)
    for router in discover_slices(only=slices):
        app.include_router(router)
    _declare_framework_problems(app)
    return app


def _declare_framework_problems(app: FastAPI) -> None:
    """Declare the problems every slice can give without saying so (413, 422...)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_problem_responses(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def add_offline_docs(app: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc, with their assets served by the app itself."""
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS_DIR), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=oauth2_redirect_url,
            swagger_js_url=f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png",
        )

    @app.get(oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )


# --- the feature team's scaffold --------------------------------------------------------

SLICE_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)+")
# Names that pytest, discovery or a reader would take for something other than a use case.
RESERVED_SLICE_NAMES = frozenset({"conftest", "features", "main", "shared", "tests"})


def slice_name_problem(name: str, *, features_dir: Path) -> str | None:
    """Why `name` cannot be a new slice, or None when it can."""
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"{name!r} is a Python keyword; name the slice verb_noun, e.g. archive_user."
    if name in RESERVED_SLICE_NAMES or name.startswith("test"):
        return f"{name!r} is reserved (pytest or discovery would misread it); pick another."
    if not SLICE_NAME.fullmatch(name):
        return (
            f"{name!r} is not a verb_noun name: lower-case snake_case, verb first, at least "
            "two words (archive_user, reset_password)."
        )
    if (features_dir / name).exists():
        return f"features/{name}/ already exists; a new slice needs a new name."
    return None


def slice_templates(name: str) -> dict[str, str]:
    """A new slice's files by name: a working route for the team to make into the use case."""
    words = name.replace("_", " ")
    title = "".join(part.capitalize() for part in name.split("_"))
    url = f"/api/{name.replace('_', '-')}"
    route = f"{url}/{{user_id:int}}"
    return {
        "__init__.py": f'"""GET {route}: {words} (say what the use case is for)."""\n',
        "endpoint.py": f'''"""GET {route}: the HTTP side of {words}."""

from typing import Annotated

from fastapi import APIRouter, Path

from features.{name} import handler
from features.{name}.schemas import {title}Request, {title}Response
from shared.http.dependencies import SessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["{name}"])


@router.get("{route}", responses=problem_responses(404, 422))
def {name}(
    user_id: Annotated[int, Path(ge=1, le=2**63 - 1)], session: SessionDep
) -> {title}Response:
    """{words.capitalize()}: say in one line what it does for the API's consumer."""
    return handler.handle({title}Request(user_id=user_id), session=session)
''',
        "schemas.py": f'''"""Request and response of GET {route}."""

from pydantic import BaseModel, ConfigDict


class {title}Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int


class {title}Response(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    email: str
''',
        "handler.py": f'''"""{words.capitalize()}: the use case, free of HTTP."""

from sqlalchemy.orm import Session

from features.{name}.schemas import {title}Request, {title}Response
from shared.db.models import User
from shared.errors import NotFoundError


def handle(request: {title}Request, *, session: Session) -> {title}Response:
    # The scaffold's starting point: find the user. Replace it with the use case.
    user = session.get(User, request.user_id)
    if user is None:
        raise NotFoundError("No such user.")
    return {title}Response(id=user.id, email=user.email)
''',
        f"test_{name}.py": f'''"""GET {route}."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from features.{name} import handler
from features.{name}.schemas import {title}Request
from shared.db.models import User
from shared.errors import NotFoundError


def test_{name}_does_what_the_team_defined(client: TestClient, user: User) -> None:
    # Fails on purpose until the team decides what this slice is for: replace it with the
    # behaviour a client relies on (status, body, and what changed in the database).
    client.get(f"{url}/{{user.id}}")
    pytest.fail("{name}: define this slice's behaviour and test it here (CONTRIBUTING.md)")


def test_unknown_user_returns_404_problem(client: TestClient) -> None:
    response = client.get("{url}/999999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_handler_finds_the_user(db_session: Session, user: User) -> None:
    found = handler.handle({title}Request(user_id=user.id), session=db_session)
    assert found.email == user.email


def test_handler_refuses_an_unknown_user(db_session: Session) -> None:
    with pytest.raises(NotFoundError):
        handler.handle({title}Request(user_id=999999), session=db_session)
''',
    }


def scaffold_slice(name: str, *, features_dir: Path) -> list[Path]:
    """Write a new slice's files into features_dir/<name>/; returns the files written."""
    problem = slice_name_problem(name, features_dir=features_dir)
    if problem is not None:
        raise SliceError(problem)
    folder = features_dir / name
    folder.mkdir()
    written = []
    for file_name, text in slice_templates(name).items():
        (folder / file_name).write_text(text, encoding="utf-8")
        written.append(folder / file_name)
    return written


# --- the operator's command line -----------------------------------------------------------


def create_admin(
    email: str, *, password: str | None, full_name: str | None, settings: Settings
) -> str:
    """Create an admin, or promote (and activate) an existing user. Returns what was done."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise SystemExit(f"Not a valid email address: {exc}") from None
    key = email_key(email)
    if password is not None:
        problems = password_problems(password, email=email, min_length=settings.password_min_length)
        if problems:
            raise SystemExit("Password refused: " + " ".join(problems))
    # Hashed before the write transaction: SQLite's write lock is never held for bcrypt.
    hashed = None if password is None else hash_password(password, rounds=settings.bcrypt_rounds)
    database = Database.from_settings(settings)
    try:
        ensure_migrated(database.engine)
        with database.write_sessions() as session:
            user = session.scalars(select(User).where(User.email_key == key)).one_or_none()
            if user is None:
                if hashed is None:
                    raise SystemExit(
                        "No password: set ADMIN_PASSWORD or run in a terminal to be prompted."
                    )
                user = User(
                    email=email,
                    email_key=key,
                    full_name=full_name,
                    hashed_password=hashed,
                    role=Role.ADMIN.value,
                    is_active=True,
                )
                session.add(user)
                session.commit()
                return f"created admin {user.email} (id {user.id})"
            # A role or password change revokes every earlier token (the user logs in again as
            # an admin); re-running for an existing admin without a password logs nobody out.
            revoke = user.role != Role.ADMIN.value or hashed is not None
            user.role = Role.ADMIN.value
            user.is_active = True
            if hashed is not None:
                user.hashed_password = hashed
            if full_name is not None:
                user.full_name = full_name
            if revoke:
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
    new_slice = commands.add_parser(
        "new-slice", help="write features/<verb_noun>/ with a route, schemas, handler and tests"
    )
    new_slice.add_argument("name", help="the use case in snake_case, verb first: archive_user")
    server = commands.add_parser(
        "serve", help="the production server (WEB_CONCURRENCY workers, TRUSTED_PROXIES)"
    )
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    if args.command == "new-slice":
        return _new_slice(args.name)
    settings = get_settings()
    if args.command == "serve":
        serve(settings, host=args.host, port=args.port)
        return 0
    try:
        exists = _user_exists(args.email, settings=settings)
        password = _read_admin_password(required=not exists)
        done = create_admin(
            args.email, password=password, full_name=args.full_name, settings=settings
        )
    except UnmigratedDatabaseError as exc:
        # The operator needs the message (it says what to run), not a traceback.
        raise SystemExit(str(exc)) from None
    print(done)
    return 0


def _new_slice(name: str) -> int:
    try:
        written = scaffold_slice(name, features_dir=FEATURES_DIR)
    except SliceError as exc:
        print(f"new-slice: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path.relative_to(FEATURES_DIR.parent)}")
    print(f"next: make the first test in features/{name}/test_{name}.py real (CONTRIBUTING.md)")
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
