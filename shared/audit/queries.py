"""Reading the trail: one page of events, newest first, by keyset so pages never overlap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, literal, select, tuple_
from sqlalchemy.orm import Session

from shared.audit.cursor import EventPosition, decode_cursor, encode_cursor
from shared.db.models import AuditEvent, BigId, UTCDateTime


@dataclass(frozen=True, slots=True)
class EventFilter:
    """What to list; None is no filter. `cursor` is a validated `next_cursor`."""

    limit: int
    cursor: str | None = None
    user_id: int | None = None
    type: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class EventPage:
    items: list[AuditEvent]
    next_cursor: str | None


def events_query(wanted: EventFilter) -> Select[AuditEvent]:
    """The page's query: every filter is a range or an equality on an index's leading columns
    (see the indexes on AuditEvent), and the order is that index's, backwards."""
    query = select(AuditEvent)
    if wanted.user_id is not None:
        query = query.where(AuditEvent.user_id == wanted.user_id)
    if wanted.type is not None:
        query = query.where(AuditEvent.type == wanted.type)
    if wanted.outcome is not None:
        query = query.where(AuditEvent.outcome == wanted.outcome)
    if wanted.since is not None:
        query = query.where(AuditEvent.occurred_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEvent.occurred_at < wanted.until)
    if wanted.cursor is not None:
        after = decode_cursor(wanted.cursor)
        query = query.where(
            tuple_(AuditEvent.occurred_at, AuditEvent.id)
            < tuple_(literal(after.occurred_at, UTCDateTime), literal(after.id, BigId))
        )
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(
        wanted.limit + 1
    )


def page_of_events(session: Session, wanted: EventFilter) -> EventPage:
    """One page, and the cursor of the next one (None on the last page).

    Each page starts strictly after the last item of the one before, in an order no insert
    changes: no event is seen twice, and none older than the cursor is skipped. Events that
    arrive meanwhile are newer than the first page (their transactions last milliseconds), so
    they appear on a fresh first page, not inside the pages still to read.
    """
    rows = list(session.scalars(events_query(wanted)))
    items = rows[: wanted.limit]
    if len(rows) <= wanted.limit:
        return EventPage(items=items, next_cursor=None)
    last = items[-1]
    position = EventPosition(occurred_at=last.occurred_at, id=last.id)
    return EventPage(items=items, next_cursor=encode_cursor(position))
