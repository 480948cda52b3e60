"""The outbox against a real SMTP server: nothing is lost while it is down, a refusal is
retried with backoff and then given up, and two senders deliver each message once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db.engine import Database
from shared.db.models import MailMessage
from shared.mail.outbox import enqueue
from shared.mail.rendering import render
from shared.mail.sender import MailSender
from tests.factories import DEFAULT_PASSWORD
from tests.mail_server import MailApp, MailCatcher, mail_settings, outbox_rows, running_mail_app


def wait_until(condition: object, *, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def sign_up(mail_app: MailApp, email: str) -> None:
    body = {"email": email, "password": DEFAULT_PASSWORD}
    assert mail_app.client.post("/api/users", json=body).status_code == 201


def test_messages_wait_while_smtp_is_down_and_arrive_when_it_is_back(
    mail_app: MailApp,
) -> None:
    mail_app.smtp.stop()
    started = time.monotonic()
    sign_up(mail_app, "patient@example.com")
    # The request never waited for the mail server.
    assert time.monotonic() - started < 2
    wait_until(lambda: outbox_rows(mail_app.engine)[0].attempts >= 2)
    (row,) = outbox_rows(mail_app.engine)
    assert row.sent_at is None
    assert row.given_up_at is None
    assert "Connect" in (row.last_error or "") or "refused" in (row.last_error or "").lower()

    mail_app.smtp.start()
    (message,) = mail_app.smtp.wait_for(1)
    assert message["To"] == "patient@example.com"
    wait_until(lambda: outbox_rows(mail_app.engine)[0].sent_at is not None)


def test_a_server_refusing_twice_then_accepting_gets_the_message_once(
    mail_app: MailApp,
) -> None:
    mail_app.smtp.handler.refuse_next = 2
    sign_up(mail_app, "third-time@example.com")
    mail_app.smtp.wait_for(1)
    wait_until(lambda: outbox_rows(mail_app.engine)[0].sent_at is not None)
    time.sleep(1)  # longer than the backoff: a duplicate would have come by now
    assert len(mail_app.smtp.received) == 1
    (row,) = outbox_rows(mail_app.engine)
    assert row.attempts == 3
    assert row.text_body is None  # the link left the database with the message


def test_after_max_attempts_a_message_is_given_up_and_logged(
    tmp_path: Path, mail_database_url: str, smtp_server: MailCatcher, caplog: object
) -> None:
    smtp_server.handler.refuse_next = 100
    settings = mail_settings(tmp_path, mail_database_url, smtp_server.port, mail_max_attempts=2)
    with running_mail_app(settings, smtp_server) as mail_app:
        sign_up(mail_app, "never@example.com")
        wait_until(lambda: outbox_rows(mail_app.engine)[0].given_up_at is not None)
        (row,) = outbox_rows(mail_app.engine)
        assert row.attempts == 2
        assert row.last_error is not None
        assert row.last_error.startswith("451")
        assert row.text_body is None
    assert "mail given up" in caplog.text  # type: ignore[attr-defined]
    assert smtp_server.received == []


def test_a_permanent_refusal_is_given_up_at_once(mail_app: MailApp) -> None:
    mail_app.smtp.handler.refuse_next = 1
    mail_app.smtp.handler.refusal = "554 5.7.1 Rejected"
    sign_up(mail_app, "bounced@example.com")
    wait_until(lambda: outbox_rows(mail_app.engine)[0].given_up_at is not None)
    assert outbox_rows(mail_app.engine)[0].attempts == 1


def test_starttls_required_never_falls_back_to_plain_text(
    tmp_path: Path, mail_database_url: str, smtp_server: MailCatcher
) -> None:
    # The test server offers no STARTTLS: the message must wait, not travel in clear.
    settings = mail_settings(
        tmp_path, mail_database_url, smtp_server.port, smtp_security="starttls"
    )
    with running_mail_app(settings, smtp_server) as mail_app:
        sign_up(mail_app, "tls@example.com")
        wait_until(lambda: outbox_rows(mail_app.engine)[0].attempts >= 1)
        wait_until(lambda: outbox_rows(mail_app.engine)[0].last_error is not None)
        assert smtp_server.received == []
        assert outbox_rows(mail_app.engine)[0].given_up_at is None


def test_delivery_latency_after_commit_is_well_under_a_poll(mail_app: MailApp) -> None:
    # A commit that queued mail wakes the sender: no waiting for the next poll.
    latencies = []
    for index in range(5):
        before = time.monotonic()
        sign_up(mail_app, f"quick{index}@example.com")
        committed = time.monotonic()
        mail_app.smtp.wait_for(index + 1)
        latencies.append(time.monotonic() - committed)
        assert committed - before < 2
    latencies.sort()
    print(f"outbox delivery latency after commit: median {latencies[2] * 1000:.1f} ms")
    assert latencies[2] < 0.5


def test_two_senders_deliver_each_message_exactly_once(
    tmp_path: Path, mail_database_url: str, smtp_server: MailCatcher
) -> None:
    settings = mail_settings(tmp_path, mail_database_url, smtp_server.port)
    setup = Database.from_settings(settings)
    with Session(setup.engine) as session:
        for index in range(40):
            message = render(
                "password_changed", full_name=None, email="x@example.com", reset_url="https://x"
            )
            enqueue(session, message, recipient=f"many{index}@example.com")
        session.commit()

    async def race() -> None:
        # Two workers, each with its own engine and pool, as two processes would have.
        senders = [MailSender(Database.from_settings(settings), settings) for _ in range(2)]
        await asyncio.gather(*(_drain(sender) for sender in senders))
        for sender in senders:
            sender.database.dispose()

    asyncio.run(race())
    received = smtp_server.wait_for(40)
    time.sleep(0.3)
    assert len(smtp_server.received) == 40
    assert len({message["Message-ID"] for message in received}) == 40
    with Session(setup.engine) as session:
        rows = session.scalars(select(MailMessage)).all()
        assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
        assert len({row.claimed_by for row in rows}) == 1  # settled: no lease left behind
    setup.dispose()


async def _drain(sender: MailSender) -> None:
    while await sender.deliver_due():
        await asyncio.sleep(0)


def test_a_send_that_swallows_its_cancellation_does_not_hang_the_shutdown(
    tmp_path: Path, mail_database_url: str, smtp_server: MailCatcher
) -> None:
    from email.message import EmailMessage

    from shared.mail.smtp import DeliveryError

    class Stubborn:
        """Turns the shutdown's cancellation into an error, as a client library may."""

        async def send(self, message: EmailMessage) -> None:
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                raise DeliveryError("cancelled", permanent=False) from None

    settings = mail_settings(tmp_path, mail_database_url, smtp_server.port)
    database = Database.from_settings(settings)
    with Session(database.engine) as session:
        message = render(
            "password_changed", full_name=None, email="x@example.com", reset_url="https://x"
        )
        enqueue(session, message, recipient="stubborn@example.com")
        session.commit()

    async def start_then_stop() -> float:
        sender = MailSender(database, settings, transport=Stubborn())
        sender.start()
        await asyncio.sleep(0.5)  # the send has begun
        started = time.monotonic()
        await sender.stop()
        return time.monotonic() - started

    assert asyncio.run(start_then_stop()) < 1
    database.dispose()
