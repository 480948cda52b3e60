"""Prometheus metrics in multiprocess mode: the families, and recording that is free when off.

Metrics are on when METRICS_TOKEN is set: create_app then calls `enable()` in every worker.
Each worker writes its figures to memory-mapped files in one directory (PROMETHEUS_MULTIPROC_DIR,
by default `{DATA_DIR}/metrics`), and a scrape of any worker sums them all, so several workers
report one total. Off, every `record_*`/`count_*` function returns at once.

Families (the README's Metrics table says the same for operators):

- http_requests_total{method,route,status}: route is the template (`/api/users/{user_id}`),
  `unmatched` when no route matched; never the raw path or query.
- http_request_duration_seconds{method,route}: histogram.
- auth_logins_total{outcome} and auth_refreshes_total{outcome}: `success` or the refusal's
  problem code (`invalid_credentials`, `rate_limited`...); a refresh token presented again
  after rotation counts as `reuse_detected`.
- auth_rate_limited_total{limit}: refusals by limit name (`login`, `refresh`...).
- auth_password_hash_seconds: histogram of each bcrypt hash or verification.
- auth_emails_total{kind,outcome}: messages by kind (`verify_email`...) and outcome (`sent`,
  `retried`, `failed`), recorded by the mail sender through `count_email`.
- auth_mail_queue_depth: messages waiting in the outbox (`set_mail_queue_depth`).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram

DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED_ROUTE = "unmatched"
# Any other method a client sends is counted as "other": labels must stay a bounded set.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_HASH_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_DB_FILE = re.compile(r"_(\d+)\.db$")


@dataclass(frozen=True, slots=True)
class _Families:
    directory: Path
    requests: Counter
    durations: Histogram
    logins: Counter
    refreshes: Counter
    rate_limited: Counter
    password_hash: Histogram
    emails: Counter
    mail_queue: Gauge


_families: _Families | None = None
# (method, route, status) -> the counter child and (method, route) histogram child; looking
# labels up through prometheus_client takes a lock and builds a tuple on every request.
_request_children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def enable(*, default_directory: Path) -> Path:
    """Turn metrics on for this process; returns the directory its figures are written to.

    The first call decides: a process writes to one directory for its whole life.
    """
    global _families
    if _families is not None:
        return _families.directory
    directory = Path(os.environ.get(DIRECTORY_VARIABLE) or default_directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    remove_files_of_dead_processes(directory)
    os.environ[DIRECTORY_VARIABLE] = str(directory)
    from prometheus_client import values

    # prometheus_client picks its value class when first imported; metrics may have been
    # turned on after that, so pick again now that the directory is known.
    if not getattr(values.ValueClass, "_multiprocess", False):
        values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    _families = _create_families(directory)
    return directory


def _create_families(directory: Path) -> _Families:
    from prometheus_client import Counter, Gauge, Histogram

    # registry=None: in multiprocess mode a scrape reads the files, not a registry.
    families = _Families(
        directory=directory,
        requests=Counter(
            "http_requests_total",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=None,
        ),
        durations=Histogram(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response's end.",
            ["method", "route"],
            registry=None,
        ),
        logins=Counter("auth_logins_total", "Logins by outcome.", ["outcome"], registry=None),
        refreshes=Counter(
            "auth_refreshes_total",
            "Refresh-token rotations by outcome.",
            ["outcome"],
            registry=None,
        ),
        rate_limited=Counter(
            "auth_rate_limited_total", "Requests refused by a rate limit.", ["limit"], registry=None
        ),
        password_hash=Histogram(
            "auth_password_hash_seconds",
            "Time of one bcrypt hash or verification.",
            buckets=_HASH_BUCKETS,
            registry=None,
        ),
        emails=Counter(
            "auth_emails_total", "Emails by kind and outcome.", ["kind", "outcome"], registry=None
        ),
        mail_queue=Gauge(
            "auth_mail_queue_depth",
            "Messages waiting in the outbox.",
            multiprocess_mode="livemax",
            registry=None,
        ),
    )
    # Series that exist from the start, so a rate() over them has a zero to start from; and
    # every kind of file is opened now, while the directory certainly exists.
    for outcome in ("success", "invalid_credentials"):
        families.logins.labels(outcome)
    for outcome in ("success", "invalid_token", "reuse_detected"):
        families.refreshes.labels(outcome)
    return families


def remove_files_of_dead_processes(directory: Path) -> None:
    """Delete the figures of workers that are gone: a restart begins their counts anew."""
    for path in directory.glob("*.db"):
        found = _DB_FILE.search(path.name)
        if found and not _is_alive(int(found.group(1))):
            # Two workers starting together may both try.
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def is_enabled() -> bool:
    return _families is not None


def exposition() -> bytes:
    """Every worker's figures summed, in Prometheus text format (empty when off)."""
    if _families is None:
        return b""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(_families.directory))  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def record_request(method: str, route: str | None, status: int, seconds: float) -> None:
    """One HTTP request: `route` is the matched template, None when no route matched."""
    if _families is None:
        return
    key = (method, route or UNMATCHED_ROUTE, status)
    children = _request_children.get(key)
    if children is None:
        label = method if method in KNOWN_METHODS else "other"
        children = (
            _families.requests.labels(label, key[1], str(status)),
            _families.durations.labels(label, key[1]),
        )
        _request_children[key] = children
    children[0].inc()
    children[1].observe(seconds)


def count_login(outcome: str) -> None:
    if _families is not None:
        _families.logins.labels(outcome).inc()


def count_refresh(outcome: str) -> None:
    if _families is not None:
        _families.refreshes.labels(outcome).inc()


def count_rate_limited(limit: str) -> None:
    if _families is not None:
        _families.rate_limited.labels(limit).inc()


def record_password_hash(seconds: float) -> None:
    if _families is not None:
        _families.password_hash.observe(seconds)


def count_email(kind: str, outcome: str) -> None:
    if _families is not None:
        _families.emails.labels(kind, outcome).inc()


def set_mail_queue_depth(depth: int) -> None:
    if _families is not None:
        _families.mail_queue.set(depth)


@contextlib.contextmanager
def outcome_counted(
    count: Callable[[str], None], *, renamed: Mapping[str, str] | None = None
) -> Iterator[None]:
    """Count the block's outcome with `count` (count_login, count_refresh): `success`, or the
    `code` of the error it raises (`renamed` maps a code to another label)."""
    try:
        yield
    except Exception as exc:
        code = str(getattr(exc, "code", "internal_error"))
        count((renamed or {}).get(code, code))
        raise
    count("success")
