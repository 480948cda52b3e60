"""The transactional outbox: queue in the caller's transaction, claim with a lease, settle."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from shared.db.models import MailMessage, utcnow
from shared.mail.rendering import RenderedMessage

logger = logging.getLogger("authservice.mail")

_QUEUED = "mail_queued"
_wakers: set[Callable[[], None]] = set()
_wakers_lock = threading.Lock()


def enqueue(session: Session, message: RenderedMessage, *, recipient: str) -> MailMessage:
    """Add a message to the caller's transaction; it exists if and only if that commits.

    The sender of this process is woken right after the commit; other workers and hosts
    find it at their next poll.
    """
    now = utcnow()
    row = MailMessage(
        kind=message.kind,
        recipient=recipient,
        subject=message.subject,
        message_id=secrets.token_hex(16),
        text_body=message.text,
        html_body=message.html,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(row)
    session.info[_QUEUED] = True
    return row


def add_waker(wake: Callable[[], None]) -> None:
    """Call `wake` (thread-safe, non-blocking) after every commit that queued mail."""
    with _wakers_lock:
        _wakers.add(wake)


def remove_waker(wake: Callable[[], None]) -> None:
    with _wakers_lock:
        _wakers.discard(wake)


@event.listens_for(Session, "after_commit")
def _wake_senders(session: Session) -> None:
    if not session.info.pop(_QUEUED, False):
        return
    with _wakers_lock:
        wakers = list(_wakers)
    for wake in wakers:
        wake()


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    session.info.pop(_QUEUED, None)


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """A message a worker holds the lease on: what to send, and which attempt this is."""

    id: int
    kind: str
    recipient: str
    subject: str
    message_id: str
    text: str
    html: str | None
    attempt: int
    claimed_by: str


def _due(now: datetime) -> Any:
    return (
        MailMessage.sent_at.is_(None),
        MailMessage.given_up_at.is_(None),
        MailMessage.next_attempt_at <= now,
        or_(MailMessage.claimed_until.is_(None), MailMessage.claimed_until <= now),
    )


def anything_due(session: Session, *, now: datetime | None = None) -> bool:
    """Whether a message is due: a read, so an idle poll never takes SQLite's write lock."""
    found = session.scalar(select(MailMessage.id).where(*_due(now or utcnow())).limit(1))
    session.rollback()
    return found is not None


def claim(
    session: Session, *, worker: str, lease: timedelta, limit: int, now: datetime | None = None
) -> list[ClaimedMessage]:
    """Take the lease on up to `limit` due messages, counting the attempt; commits.

    PostgreSQL: `FOR UPDATE SKIP LOCKED`, so workers claiming at once take different rows.
    SQLite: the session is a writer (BEGIN IMMEDIATE), so claims run one after the other.
    A lease that runs out (its worker died mid-send) makes the message due again.
    """
    now = now or utcnow()
    due = (
        select(MailMessage)
        .where(*_due(now))
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = []
    for row in session.scalars(due):
        row.attempts += 1
        row.claimed_by = worker
        row.claimed_until = now + lease
        claimed.append(
            ClaimedMessage(
                id=row.id,
                kind=row.kind,
                recipient=row.recipient,
                subject=row.subject,
                message_id=row.message_id,
                text=row.text_body or "",
                html=row.html_body,
                attempt=row.attempts,
                claimed_by=worker,
            )
        )
    session.commit()
    return claimed


def mark_sent(session: Session, message: ClaimedMessage, *, now: datetime | None = None) -> None:
    """Record a delivery; the bodies (and any token in a link) leave the database. Commits."""
    _settle(session, message, sent_at=now or utcnow(), text_body=None, html_body=None)


def mark_failed(
    session: Session,
    message: ClaimedMessage,
    *,
    error: str,
    retry_in: timedelta | None,
    now: datetime | None = None,
) -> None:
    """Record a failed attempt: due again after `retry_in`, or given up when None. Commits."""
    now = now or utcnow()
    values: dict[str, Any] = {"last_error": error[:500], "claimed_until": None}
    if retry_in is None:
        values.update(given_up_at=now, text_body=None, html_body=None)
    else:
        values.update(next_attempt_at=now + retry_in)
    _settle(session, message, **values)


def _settle(session: Session, message: ClaimedMessage, **values: Any) -> None:
    # Only the lease holder settles: a worker whose lease ran out while it was stuck must not
    # overwrite what the worker that took the message over recorded.
    session.execute(
        update(MailMessage)
        .where(MailMessage.id == message.id, MailMessage.claimed_by == message.claimed_by)
        .values(claimed_by=None, **values)
    )
    session.commit()


def queue_depth(session: Session) -> int:
    """Messages neither sent nor given up."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(MailMessage)
            .where(MailMessage.sent_at.is_(None), MailMessage.given_up_at.is_(None))
        )
        or 0
    )


def purge_settled(session: Session, *, older_than: datetime, limit: int = 100) -> None:
    """Delete up to `limit` messages sent or given up before `older_than`. Does not commit."""
    old = (
        select(MailMessage.id)
        .where(
            or_(MailMessage.sent_at < older_than, MailMessage.given_up_at < older_than),
        )
        .limit(limit)
    )
    session.execute(
        delete(MailMessage).where(MailMessage.id.in_(old)),
        execution_options={"synchronize_session": False},
    )
