"""FastAPI dependencies for the kernel's objects: settings, token settings, sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db.engine import Database
from shared.security.access_tokens import TokenSettings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for a request that only reads."""
    database = get_database(request)
    session = database.read_sessions()
    try:
        yield session
    finally:
        await database.run_read(session.close)


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """A session for a request that writes: on SQLite it holds the write lock from its start."""
    database = get_database(request)
    session = database.write_sessions()
    try:
        yield session
    finally:
        await database.run_read(session.close)


def get_write_session_factory(request: Request) -> Callable[[], Session]:
    """Makes writer sessions, for work that runs after the response (a background task)."""
    return get_database(request).write_sessions


SessionDep = Annotated[Session, Depends(get_session)]


WriteSessionDep = Annotated[Session, Depends(get_write_session)]


WriteSessionFactoryDep = Annotated[Callable[[], Session], Depends(get_write_session_factory)]


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_token_settings(request: Request) -> TokenSettings:
    token_settings: TokenSettings = request.app.state.token_settings
    return token_settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


TokenSettingsDep = Annotated[TokenSettings, Depends(get_token_settings)]
