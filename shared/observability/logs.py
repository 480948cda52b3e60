"""Logging set-up (text or JSON lines) and `security_event`, the one way to log a security fact."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

LOGGER_NAME = "authservice"
access_logger = logging.getLogger(f"{LOGGER_NAME}.access")
security_logger = logging.getLogger(f"{LOGGER_NAME}.security")

# A field whose name says it holds a secret is never written, whoever passes it.
_SECRET_FIELD = re.compile(r"password|passwd|token|secret|hash|authorization|cookie", re.I)
REDACTED = "[redacted]"

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def security_event(name: str, **fields: Any) -> None:
    """Log one security event as its own line: `security_event("login_failed", user_id=7)`.

    Names in use: login_succeeded, login_failed, refresh_reuse_detected, logout, email_changed,
    email_verified, password_reset_requested, password_reset_completed,
    password_changed, role_changed, user_deactivated, user_reactivated, user_deleted,
    rate_limited.
    Pass ids (user_id, session_id), never a password, token or hash: a field whose name
    looks like one is replaced by "[redacted]" all the same. Prefer `user_id` to an email
    as typed: people type their password into the email box.
    """
    safe = {key: REDACTED if _SECRET_FIELD.search(key) else value for key, value in fields.items()}
    security_logger.info("security event %s", name, extra={"event": name, **safe})


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The `extra=` fields of a record, the structured part of a line."""
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **record_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The message followed by the extra fields as key=value, for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = " ".join(f"{key}={value}" for key, value in record_fields(record).items())
        return f"{text} {fields}" if fields else text


class _OwnHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler configure_logging installed, so a second call replaces it."""


def configure_logging(*, log_format: str, level: str) -> None:
    """Send the service's logs to stderr in the configured format; safe to call again."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    for handler in [h for h in logger.handlers if isinstance(h, _OwnHandler)]:
        logger.removeHandler(handler)
    handler = _OwnHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger.addHandler(handler)
