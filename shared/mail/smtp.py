"""Delivery: a claimed message as a MIME email, sent over SMTP (aiosmtplib) or to the log."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Protocol

import aiosmtplib

from shared.config import Settings
from shared.mail.outbox import ClaimedMessage

logger = logging.getLogger("authservice.mail")


class DeliveryError(Exception):
    """A delivery failed; `permanent` when retrying cannot help (a 5xx reply)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


def build_email(message: ClaimedMessage, *, mail_from: str) -> EmailMessage:
    """The MIME message: text/plain, then text/html as the alternative when there is one."""
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    # Stable across retries, so a receiver can drop a copy resent after a crash.
    email["Message-ID"] = f"<{message.message_id}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


class SmtpTransport:
    """SMTP with SMTP_SECURITY: `starttls` (upgrade on connect, required), `tls` or `none`."""

    def __init__(self, settings: Settings) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.username = settings.smtp_username or None
        self.password = (
            settings.smtp_password.get_secret_value() if settings.smtp_password else None
        )
        self.security = settings.smtp_security
        self.timeout = settings.smtp_timeout_seconds

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.security == "tls",
                start_tls=self.security == "starttls",
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refusal.code for refusal in exc.recipients]
            raise DeliveryError(str(exc), permanent=all(code >= 500 for code in codes)) from exc
        except aiosmtplib.SMTPDataError as exc:
            # The server read the message and refused it for good (5xx) or for now (4xx).
            raise DeliveryError(f"{exc.code} {exc.message}", permanent=exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Down, refusing us, or misconfigured (authentication, TLS): an operator can fix
            # that, so the message waits and is retried rather than lost.
            raise DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False) from exc


class LogTransport:
    """No SMTP_HOST (development, test): each message is written to the log in full."""

    async def send(self, message: EmailMessage) -> None:
        logger.info(
            "mail (SMTP_HOST is empty, so logged instead of sent):\n%s",
            message.as_string(),
            extra={"recipient": str(message["To"]), "subject": str(message["Subject"])},
        )


def transport_for(settings: Settings) -> Transport:
    return SmtpTransport(settings) if settings.smtp_host else LogTransport()
