"""The event vocabulary, and the request an event came from (set once per request)."""

from __future__ import annotations

import enum
from contextvars import ContextVar
from dataclasses import dataclass

from shared.db.models import USER_AGENT_MAX


class EventType(enum.StrEnum):
    """Every kind of audit event; the README lists them with their meaning."""

    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_DEACTIVATED = "user.deactivated"
    USER_ACTIVATED = "user.activated"
    USER_DELETED = "user.deleted"
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    TOKEN_REFRESHED = "token.refreshed"  # noqa: S105 - an event name, not a token
    TOKEN_REUSE_DETECTED = "token.reuse_detected"  # noqa: S105 - an event name
    LOGOUT = "logout"
    SESSION_REVOKED = "session.revoked"
    PASSWORD_CHANGED = "password.changed"  # noqa: S105 - an event name
    PASSWORD_RESET_REQUESTED = "password_reset.requested"  # noqa: S105 - an event name
    PASSWORD_RESET_COMPLETED = "password_reset.completed"  # noqa: S105 - an event name
    EMAIL_VERIFIED = "email.verified"
    RATE_LIMIT_EXCEEDED = "rate_limit.exceeded"
    KEYS_ROTATED = "keys.rotated"


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Where a request came from, as an event records it. Built by the HTTP room's middleware
    (the client IP as TRUSTED_PROXIES decides it); commands and tests run without one."""

    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None

    @classmethod
    def of(
        cls, *, ip: str | None, user_agent: str | None, request_id: str | None
    ) -> RequestContext:
        # A header is the client's to fill: cut to what the column keeps.
        return cls(
            ip=ip,
            user_agent=user_agent[:USER_AGENT_MAX] if user_agent else None,
            request_id=request_id,
        )


NO_REQUEST = RequestContext()

# Set by the request middleware for the request's task; sync endpoints run in a copy of it.
_current: ContextVar[RequestContext] = ContextVar("audit_request_context", default=NO_REQUEST)


def current_request() -> RequestContext:
    """The request being served, or an empty context outside of one."""
    return _current.get()


def set_current_request(context: RequestContext) -> None:
    """Declare the request this task serves (the middleware calls it once per request)."""
    _current.set(context)
