"""The sender: an asyncio task per worker that delivers due outbox messages, with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import timedelta

import anyio.to_thread

from shared.config import Settings
from shared.db.engine import Database
from shared.db.models import utcnow
from shared.mail import outbox
from shared.mail.smtp import DeliveryError, Transport, build_email, transport_for

logger = logging.getLogger("authservice.mail")

BATCH = 20
# Longer than a delivery can take (connect + send, each bounded by SMTP_TIMEOUT_SECONDS):
# while it runs, no other worker takes the message; if the worker dies, others may after it.
LEASE_PER_TIMEOUT = 3
MAX_BACKOFF = timedelta(hours=1)
# Sent and given-up rows are kept this long (for operators to look at), then deleted.
KEEP_SETTLED = timedelta(days=7)
# A delivery cut short by the shutdown is retried by whoever runs next (its lease runs out).
STOP_SECONDS = 5.0


class MailSender:
    """Delivers the outbox: woken after a commit that queued mail, and polling besides."""

    def __init__(
        self, database: Database, settings: Settings, *, transport: Transport | None = None
    ) -> None:
        self.database = database
        self.transport = transport or transport_for(settings)
        self.mail_from = settings.mail_from
        self.max_attempts = settings.mail_max_attempts
        self.retry_base = settings.mail_retry_base_seconds
        self.poll_seconds = settings.mail_poll_seconds
        self.lease = timedelta(seconds=settings.smtp_timeout_seconds * LEASE_PER_TIMEOUT)
        self.worker = secrets.token_urlsafe(16)
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        """Run in the background of the current event loop (the app's lifespan)."""
        self._loop = asyncio.get_running_loop()
        outbox.add_waker(self.wake)
        self._task = asyncio.create_task(self._run(), name="mail-sender")

    async def stop(self) -> None:
        outbox.remove_waker(self.wake)
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            # Not `await self._task`: a client library that turns the cancellation of a send
            # into an error of its own would keep the task, and the shutdown, going forever.
            await asyncio.wait({self._task}, timeout=STOP_SECONDS)

    def wake(self) -> None:
        """Deliver now; safe to call from any thread (a request's commit runs on one)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(self._wakeup.set)

    async def _run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            try:
                while await self.deliver_due() and not self._stopping:
                    pass
            except Exception:
                # The database being down must not end the task: it tries again next poll.
                logger.exception("mail sender: could not read the outbox; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.poll_seconds)

    async def deliver_due(self) -> int:
        """Claim and deliver one batch of due messages; returns how many were claimed."""
        claimed = await anyio.to_thread.run_sync(self._claim)
        for message in claimed:
            if self._stopping:
                break
            await self._deliver(message)
        return len(claimed)

    def _claim(self) -> list[outbox.ClaimedMessage]:
        with self.database.read_sessions() as session:
            if not outbox.anything_due(session):
                return []
        with self.database.write_sessions() as session:
            outbox.purge_settled(session, older_than=utcnow() - KEEP_SETTLED)
            return outbox.claim(session, worker=self.worker, lease=self.lease, limit=BATCH)

    async def _deliver(self, message: outbox.ClaimedMessage) -> None:
        try:
            await self.transport.send(build_email(message, mail_from=self.mail_from))
        except DeliveryError as exc:
            retry_in = self._retry_in(message, permanent=exc.permanent)
            await anyio.to_thread.run_sync(self._settle_failure, message, str(exc), retry_in)
            return
        await anyio.to_thread.run_sync(self._settle_sent, message)
        logger.info(
            "mail sent",
            extra={"mail_id": message.id, "kind": message.kind, "attempt": message.attempt},
        )

    def _retry_in(self, message: outbox.ClaimedMessage, *, permanent: bool) -> timedelta | None:
        if permanent or message.attempt >= self.max_attempts:
            return None
        seconds = self.retry_base * 2 ** (message.attempt - 1)
        return min(timedelta(seconds=seconds), MAX_BACKOFF)

    def _settle_sent(self, message: outbox.ClaimedMessage) -> None:
        with self.database.write_sessions() as session:
            outbox.mark_sent(session, message)

    def _settle_failure(
        self, message: outbox.ClaimedMessage, error: str, retry_in: timedelta | None
    ) -> None:
        with self.database.write_sessions() as session:
            outbox.mark_failed(session, message, error=error, retry_in=retry_in)
        fields = {"mail_id": message.id, "kind": message.kind, "attempt": message.attempt}
        if retry_in is None:
            logger.error("mail given up: %s", error, extra=fields)
        else:
            logger.warning(
                "mail delivery failed, retrying in %ss: %s",
                int(retry_in.total_seconds()),
                error,
                extra=fields,
            )
