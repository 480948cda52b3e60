"""A real SMTP server for the tests (aiosmtpd on a free port) and an app that delivers to it.

Imported by tests/fixtures.py, so every test can ask for `smtp_server` or `mail_app`.
"""

from __future__ import annotations

import contextlib
import email
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.pool import NullPool

from shared.config import Settings
from shared.db.models import MailMessage

MAIL_FROM = "Auth Service <no-reply@auth.example.com>"
PUBLIC_URL = "https://app.example.com"
_LINK = re.compile(r"https?://\S+")


@dataclass
class _Handler:
    """Keeps what arrives; can refuse the next messages (4xx) or take its time."""

    received: list[EmailMessage] = field(default_factory=list)
    refuse_next: int = 0
    refusal: str = "451 4.3.0 Try again later"
    delay_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.arrived = threading.Condition(self.lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.delay_seconds:
            import asyncio

            await asyncio.sleep(self.delay_seconds)
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return self.refusal
            raw = envelope.original_content or envelope.content
            assert isinstance(raw, bytes)
            message = email.message_from_bytes(raw, policy=default_policy)
            assert isinstance(message, EmailMessage)
            self.received.append(message)
            self.arrived.notify_all()
        return "250 2.0.0 OK"


class MailCatcher:
    """An SMTP server on 127.0.0.1 that can be stopped and started again on its port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = _Handler()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.received)

    def wait_for(self, count: int, *, timeout: float = 10) -> list[EmailMessage]:
        """The first `count` messages, waiting up to `timeout` seconds for them to arrive."""
        deadline = time.monotonic() + timeout
        with self.handler.arrived:
            while len(self.handler.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(self.handler.received)} messages arrived, not {count}"
                    )
                self.handler.arrived.wait(left)
            return list(self.handler.received)

    def message_to(self, address: str, *, subject: str, timeout: float = 10) -> EmailMessage:
        """The newest message to `address` with this subject, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                message
                for message in self.received
                if message["To"] == address and message["Subject"] == subject
            ]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no message {subject!r} to {address}")
            time.sleep(0.02)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "no text/html part"
    return str(part.get_content())


def link_token(message: EmailMessage, *, path: str) -> str:
    """The token of the message's link to PUBLIC_URL + path (checked to be that link)."""
    links = [link for link in _LINK.findall(text_of(message)) if urlsplit(link).path == path]
    assert len(links) == 1, links
    parts = urlsplit(links[0])
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_URL
    (token,) = parse_qs(parts.query)["token"]
    return str(token)


def outbox_rows(engine: Engine) -> list[MailMessage]:
    with OrmSession(engine, expire_on_commit=False) as session:
        return list(session.scalars(select(MailMessage).order_by(MailMessage.id)))


@pytest.fixture
def smtp_server() -> Iterator[MailCatcher]:
    from tests.fixtures import free_port

    catcher = MailCatcher(free_port())
    catcher.start()
    yield catcher
    catcher.stop()


def mail_settings(directory: Path, database_url: str, port: int, **overrides: Any) -> Settings:
    from tests.fixtures import make_settings

    values: dict[str, Any] = {
        "database_url": database_url,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "mail_from": MAIL_FROM,
        "public_url": PUBLIC_URL,
        "mail_sender_enabled": True,
        "mail_poll_seconds": 0.2,
        "mail_retry_base_seconds": 0.2,
    }
    values.update(overrides)
    return make_settings(directory, **values)


@dataclass
class MailApp:
    """An app on a database of its own (committed for real), delivering to `smtp`."""

    client: TestClient
    app: FastAPI
    smtp: MailCatcher
    engine: Engine


@contextlib.contextmanager
def running_mail_app(settings: Settings, smtp: MailCatcher) -> Iterator[MailApp]:
    from main import create_app

    app = create_app(settings)
    engine = create_engine(settings.database_url, poolclass=NullPool)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield MailApp(client=client, app=app, smtp=smtp, engine=engine)
    finally:
        engine.dispose()


@pytest.fixture
def mail_database_url(tmp_path: Path) -> Iterator[str]:
    from shared.db.schema import upgrade_to_head
    from tests.fixtures import drop_database, new_database_url

    url = new_database_url(tmp_path, "mail")
    upgrade_to_head(url)
    yield url
    drop_database(url)


@pytest.fixture
def mail_app(tmp_path: Path, mail_database_url: str, smtp_server: MailCatcher) -> Iterator[MailApp]:
    settings = mail_settings(tmp_path, mail_database_url, smtp_server.port)
    with running_mail_app(settings, smtp_server) as running:
        yield running
