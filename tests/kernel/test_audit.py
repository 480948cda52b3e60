"""The audit room: the emitter's transaction, the cursor, paging under inserts, query plans."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, event, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from shared.audit.cursor import EventPosition, decode_cursor, encode_cursor
from shared.audit.emitter import record_event
from shared.audit.events import EventType, Outcome, RequestContext
from shared.audit.queries import EventFilter, events_query, page_of_events
from shared.db.models import AuditEvent, utcnow
from shared.db.schema import upgrade_to_head
from tests.fixtures import drop_database, new_database_url, on_postgres


def test_an_event_commits_with_the_change_and_logs_then(
    db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="authservice.security")
    context = RequestContext.of(ip="203.0.113.9", user_agent="u" * 400, request_id="r-1")
    record_event(db_session, EventType.LOGOUT, user_id=7, session_id="s", context=context)
    assert not [r for r in caplog.records if getattr(r, "event", None) == "logout"]
    db_session.commit()
    (row,) = db_session.scalars(select(AuditEvent))
    assert (row.type, row.outcome, row.user_id, row.ip, row.request_id) == (
        "logout",
        "success",
        7,
        "203.0.113.9",
        "r-1",
    )
    assert row.user_agent == "u" * 256
    assert [r for r in caplog.records if getattr(r, "event", None) == "logout"]


def test_a_rolled_back_change_leaves_no_event_and_no_log_line(
    db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="authservice.security")
    record_event(db_session, EventType.USER_DELETED, user_id=7)
    db_session.rollback()
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert not [r for r in caplog.records if getattr(r, "event", None) == "user.deleted"]


def test_acting_on_oneself_has_no_actor(db_session: Session) -> None:
    own = record_event(db_session, EventType.USER_UPDATED, user_id=7, actor_user_id=7)
    admins = record_event(db_session, EventType.USER_UPDATED, user_id=7, actor_user_id=1)
    assert (own.actor_user_id, admins.actor_user_id) == (None, 1)


def test_the_vocabulary_holds_the_contracts_types() -> None:
    contract = {
        "user.created", "user.updated", "user.role_changed", "user.deactivated",
        "user.activated", "user.deleted", "login.succeeded", "login.failed",
        "token.refreshed", "token.reuse_detected", "logout", "session.revoked",
        "password.changed", "password_reset.requested", "password_reset.completed",
        "email.verified", "rate_limit.exceeded", "keys.rotated",
    }  # fmt: skip
    assert contract <= {member.value for member in EventType}
    assert {member.value for member in Outcome} == {"success", "failure"}


@pytest.mark.parametrize("event_id", [1, 812, 2**63 - 1])
def test_a_cursor_round_trips(event_id: int) -> None:
    position = EventPosition(occurred_at=utcnow(), id=event_id)
    assert decode_cursor(encode_cursor(position)) == position


@pytest.mark.parametrize(
    "cursor", ["", "e1.", "e1.MS4w", "e1.LTEuMQ", "e1.MS4x=", "e1.MS4x\n", "e1.\u00e9", "x" * 65]
)
def test_anything_else_is_no_cursor(cursor: str) -> None:
    with pytest.raises(ValueError, match="not a cursor"):
        decode_cursor(cursor)


# --- paging while events keep arriving ------------------------------------------------------


@pytest.fixture
def real_engine(tmp_path: Path) -> Iterator[Engine]:
    """A database of its own: two threads need commits the other can see."""
    url = new_database_url(tmp_path, "paging")
    upgrade_to_head(url)
    engine = create_engine(url, connect_args={} if on_postgres() else {"timeout": 30})
    yield engine
    engine.dispose()
    drop_database(url)


def test_paging_while_events_arrive_sees_none_twice_and_skips_none(real_engine: Engine) -> None:
    sessions = sessionmaker(bind=real_engine)
    with sessions() as session:
        for n in range(120):
            record_event(session, EventType.LOGIN_SUCCEEDED, user_id=n % 3)
        session.commit()
        before = set(session.scalars(select(AuditEvent.id)))
    stop = threading.Event()
    inserted = 0

    def keep_inserting() -> None:
        nonlocal inserted
        while not stop.is_set():
            with sessions() as session:
                record_event(session, EventType.TOKEN_REFRESHED, user_id=1)
                session.commit()
            inserted += 1

    writer = threading.Thread(target=keep_inserting)
    writer.start()
    seen: list[int] = []
    try:
        cursor = None
        while True:
            with sessions() as session:
                page = page_of_events(session, EventFilter(limit=7, cursor=cursor))
            seen += [item.id for item in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    finally:
        stop.set()
        writer.join()
    assert inserted > 0
    assert len(seen) == len(set(seen)), "an event was listed twice"
    assert before <= set(seen), "an event that existed before paging began was skipped"


# --- query plans ------------------------------------------------------------------------------


def plan_of(connection: Connection, query: Any) -> str:
    """The database's plan for the query, as text, from its own EXPLAIN."""
    prefix = "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN "

    def explain(*args: Any) -> tuple[str, Any]:
        statement, parameters = args[2], args[3]
        return prefix + statement, parameters

    event.listen(connection, "before_cursor_execute", explain, retval=True)
    try:
        rows = connection.execute(query).cursor.fetchall()
    finally:
        event.remove(connection, "before_cursor_execute", explain)
    return "\n".join(
        str(row[-1] if connection.dialect.name == "sqlite" else row[0]) for row in rows
    )


CURSOR = encode_cursor(EventPosition(occurred_at=utcnow(), id=10**6))
PLANS = {
    "everything": (EventFilter(limit=50), "ix_audit_events_occurred_at_id"),
    "a page on": (EventFilter(limit=50, cursor=CURSOR), "ix_audit_events_occurred_at_id"),
    "since": (
        EventFilter(limit=50, since=utcnow() - timedelta(days=1)),
        "ix_audit_events_occurred_at_id",
    ),
    "one user": (EventFilter(limit=50, user_id=3), "ix_audit_events_user_id_occurred_at_id"),
    "one user, a page on": (
        EventFilter(limit=50, user_id=3, cursor=CURSOR),
        "ix_audit_events_user_id_occurred_at_id",
    ),
    "one type": (
        EventFilter(limit=50, type="login.failed", until=utcnow()),
        "ix_audit_events_type_occurred_at_id",
    ),
}


@pytest.mark.parametrize("name", PLANS)
def test_every_list_query_is_served_by_its_index(
    connection: Connection, db_session: Session, name: str
) -> None:
    wanted, index = PLANS[name]
    now = utcnow()
    db_session.add_all(
        AuditEvent(
            occurred_at=now - timedelta(seconds=n),
            type=list(EventType)[n % len(EventType)].value,
            outcome="success",
            # 40 users of 50 events each: as in a real table, one user's events are a small
            # share of all, so the planner has no reason to read them off the time index.
            user_id=n % 40,
        )
        for n in range(2000)
    )
    db_session.commit()
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE audit_events"))
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        # A bitmap scan reads the same index but loses its order (then sorts): what is asked
        # here is that the index can give the page in order, as it does once the table is large.
        connection.execute(text("SET LOCAL enable_bitmapscan = off"))
    plan = plan_of(connection, events_query(wanted))
    print(f"{name}:\n{plan}")  # the plans, for the record (pytest -s)
    assert index in plan, plan
    if connection.dialect.name == "sqlite":
        assert "TEMP B-TREE" not in plan, plan  # the index gives the order: no sort
    else:
        assert "Index" in plan, plan
        assert "Sort" not in plan, plan
