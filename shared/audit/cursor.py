"""The keyset cursor of an event list: the position (occurred_at, id) of the last item seen."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PREFIX = "e1."
# Microseconds since the epoch and an id, both bounded: what no stored row could exceed is
# refused before it reaches the database (an integer overflow there would be a 500).
_BODY = re.compile(r"(0|[1-9][0-9]{0,17})\.([1-9][0-9]{0,18})")
_MAX_ID = 2**63 - 1
_MAX_MICROSECONDS = 253_402_300_799_999_999  # 9999-12-31T23:59:59.999999Z


@dataclass(frozen=True, slots=True)
class EventPosition:
    """An event's place in the newest-first order: later occurred_at first, then higher id."""

    occurred_at: datetime
    id: int


def encode_cursor(position: EventPosition) -> str:
    """An opaque string for the client to send back as `cursor`."""
    microseconds = (position.occurred_at - _EPOCH) // timedelta(microseconds=1)
    return _PREFIX + _b64(f"{microseconds}.{position.id}")


def decode_cursor(cursor: str) -> EventPosition:
    """The position a cursor names; ValueError for anything encode_cursor did not make.

    Strict rather than signed: a forged cursor only moves the reader within a list the same
    filters already allow them to read, so it reveals nothing; it must only never crash.
    """
    if not cursor.startswith(_PREFIX) or len(cursor) > 64:
        raise ValueError("not a cursor this server issued")
    encoded = cursor.removeprefix(_PREFIX)
    try:
        body = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not a cursor this server issued") from None
    match = _BODY.fullmatch(body)
    if match is None or _b64(body) != encoded:
        raise ValueError("not a cursor this server issued")
    microseconds, event_id = int(match[1]), int(match[2])
    if microseconds > _MAX_MICROSECONDS or event_id > _MAX_ID:
        raise ValueError("not a cursor this server issued")
    return EventPosition(occurred_at=_EPOCH + timedelta(microseconds=microseconds), id=event_id)


def _b64(body: str) -> str:
    # Unpadded: the one spelling accepted, so one position has exactly one cursor.
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def _valid_cursor(value: str) -> str:
    decode_cursor(value)
    return value


# A query parameter every event list takes: validated once here, so a bad one is a 422.
CursorParam = Annotated[
    str,
    Field(max_length=64, description="`next_cursor` of the previous page."),
    AfterValidator(_valid_cursor),
]
