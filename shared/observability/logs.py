"""Logging set-up (text or JSON lines, uvicorn's lines too), the request context every line
carries, and `security_event`, the one way to log a security fact."""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

LOGGER_NAME = "authservice"
access_logger = logging.getLogger(f"{LOGGER_NAME}.access")
security_logger = logging.getLogger(f"{LOGGER_NAME}.security")

# A field whose name says it holds a secret is never written, whoever passes it.
_SECRET_FIELD = re.compile(r"password|passwd|token|secret|hash|authorization|cookie", re.I)
REDACTED = "[redacted]"

# Attributes every LogRecord has; anything else on a record came from `extra=`. uvicorn adds
# color_message, its message with terminal colour codes: the same text again, for a terminal.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "color_message",
}

# (request_id, client_ip) of the request being handled, set by the request middleware: every
# line written meanwhile, in any logger and on any thread the request runs on, carries them.
_request_context: ContextVar[tuple[str, str | None] | None] = ContextVar(
    "request_context", default=None
)


def bind_request(request_id: str, client_ip: str | None) -> Token[tuple[str, str | None] | None]:
    """Mark what follows as part of this request; pass the token to `unbind_request` after."""
    return _request_context.set((request_id, client_ip))


def unbind_request(token: Token[tuple[str, str | None] | None]) -> None:
    _request_context.reset(token)


class RequestContextFilter(logging.Filter):
    """Stamps request_id and client_ip on every record written while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _request_context.get()
        if context is not None:
            if not hasattr(record, "request_id"):
                record.request_id = context[0]
            if not hasattr(record, "client_ip"):
                record.client_ip = context[1]
        return True


# Line and paragraph separators end a line in some log viewers as surely as a newline does.
_LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})


def escape_controls(text: str) -> str:
    """The text with every control character as a visible escape (`\\n`, `\\x85`), so a
    value a client sent (a percent-encoded newline in a path, a header) cannot forge a line."""
    if text.isprintable():
        return text
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in _LINE_BREAKING
        else char
        for char in text
    )


def _escaped(value: Any) -> Any:
    return escape_controls(value) if isinstance(value, str) else value


def security_event(name: str, **fields: Any) -> None:
    """Log one security event as its own line: `security_event("login_failed", user_id=7)`.

    Names in use: login_succeeded, login_failed, refresh_reuse_detected, logout, email_changed,
    email_verified, password_reset_requested, password_reset_completed,
    password_changed, role_changed, user_deactivated, user_reactivated, user_deleted,
    rate_limited, token_revoked, signing_key_rotated, signing_key_retired.
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


@lru_cache(maxsize=4)
def _utc_second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def utc_timestamp(created: float) -> str:
    """RFC 3339 in UTC with microseconds; the date and time are formatted once a second (a
    line is written for every request)."""
    seconds = int(created)
    return f"{_utc_second(seconds)}.{int((created - seconds) * 1_000_000):06d}Z"


# One encoder for every line: json.dumps with options builds a new one per call.
_JSON_ENCODER = json.JSONEncoder(default=str, ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = json_line(
            created=record.created,
            level=record.levelname,
            logger=record.name,
            message=record.getMessage(),
            fields=record_fields(record),
        )
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _JSON_ENCODER.encode(line)


def json_line(
    *, created: float, level: str, logger: str, message: str, fields: dict[str, Any]
) -> dict[str, Any]:
    return {
        "time": utc_timestamp(created),
        "level": level.lower(),
        "logger": logger,
        "message": escape_controls(message),
        **{key: _escaped(value) for key, value in fields.items()},
    }


def log_access(message: str, fields: dict[str, Any]) -> None:
    """The access line of a request: what `access_logger.info(message, extra=fields)` writes.

    Written for every request, so when the line would only reach the service's own JSON
    handler (the production set-up) it is formatted and written here, without a LogRecord
    and the formatter's scan of it: the same line at about a third of the cost. Any other
    set-up (a handler or filter of someone else's, text format, a test's capture) takes the
    ordinary way.
    """
    if not access_logger.isEnabledFor(logging.INFO):
        return
    handler = _only_json_handler()
    if handler is None:
        access_logger.info("%s", message, extra=fields)
        return
    context = _request_context.get()
    if context is not None:
        fields.setdefault("request_id", context[0])
        fields.setdefault("client_ip", context[1])
    line = json_line(
        created=time.time(),
        level="INFO",
        logger=access_logger.name,
        message=message,
        fields=fields,
    )
    handler.write_line(_JSON_ENCODER.encode(line))


def _only_json_handler() -> ServiceLogHandler | None:
    """The one handler an access record would reach, when it is the service's JSON one and
    nothing on the way filters or changes records."""
    found: list[logging.Handler] = []
    logger: logging.Logger | None = access_logger
    while logger is not None:
        if logger.filters:
            return None
        found += logger.handlers
        logger = logger.parent if logger.propagate else None
    if len(found) != 1:
        return None
    (handler,) = found
    if not (
        type(handler) is ServiceLogHandler
        and type(handler.formatter) is JsonFormatter
        and handler.level <= logging.INFO
        and [type(one) for one in handler.filters] == [RequestContextFilter]
    ):
        return None
    return handler


class TextFormatter(logging.Formatter):
    """The message followed by the extra fields as key=value, for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        # The traceback keeps its own line breaks; only what a record says is escaped.
        saved_exc_info, record.exc_info, record.exc_text = record.exc_info, None, None
        try:
            text = escape_controls(super().format(record))
        finally:
            record.exc_info = saved_exc_info
        fields = " ".join(
            f"{key}={escape_controls(str(value))}" for key, value in record_fields(record).items()
        )
        line = f"{text} {fields}" if fields else text
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


class ServiceLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """stderr in the configured format, with the request context; the root logger's one handler.

    Its class marks it: configure_logging replaces it rather than adding a second.
    """

    def __init__(self, log_format: str = "text") -> None:
        super().__init__()
        self.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
        self.addFilter(RequestContextFilter())

    def write_line(self, line: str) -> None:
        """A formatted line, written as `emit` writes one (under the handler's lock)."""
        with self.lock:  # type: ignore[union-attr] # created in Handler.__init__
            self.stream.write(line + self.terminator)
            self.flush()


# uvicorn's own loggers. uvicorn.access stays below its INFO lines: the app writes a richer
# access line itself, and uvicorn's would carry the query string, where secrets travel.
_UVICORN_LOGGERS = {"uvicorn": "INFO", "uvicorn.error": "INFO", "uvicorn.access": "WARNING"}


def log_config(*, log_format: str, level: str) -> dict[str, Any]:
    """uvicorn's `log_config`: every logger, uvicorn's included, through one ServiceLogHandler.

    `python main.py serve` passes it; `uvicorn main:app --log-config log-config.json` reads
    the same for JSON (tests check the file matches).
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"service": {"()": f"{__name__}.ServiceLogHandler", "log_format": log_format}},
        "loggers": {
            **{
                name: {"handlers": [], "level": uvicorn_level, "propagate": True}
                for name, uvicorn_level in _UVICORN_LOGGERS.items()
            },
            LOGGER_NAME: {"level": level},
        },
        "root": {"handlers": ["service"], "level": "WARNING"},
    }


def _skip_what_no_line_shows() -> None:
    """Every record otherwise walks the stack for its caller's file and line and looks up its
    thread, process and multiprocessing names: neither format writes any of them, and the
    access line is written for every request. The logging HOWTO's "Optimization" section
    names these switches for that."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def configure_logging(*, log_format: str, level: str) -> None:
    """Send every log line to stderr in the configured format; safe to call again.

    In JSON, uvicorn's loggers are taken over too (their own handlers write plain text), so
    even `uvicorn main:app` without --log-config writes JSON once the app is loaded.
    """
    logging.getLogger(LOGGER_NAME).setLevel(level)
    _skip_what_no_line_shows()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, ServiceLogHandler)]:
        root.removeHandler(handler)
    root.addHandler(ServiceLogHandler(log_format))
    if log_format == "json":
        for name, uvicorn_level in _UVICORN_LOGGERS.items():
            logger = logging.getLogger(name)
            logger.handlers.clear()
            logger.propagate = True
            logger.setLevel(uvicorn_level)
