"""The limiter: configured limits, their storage (memory or Redis) and the client address."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from shared.config import IPNetwork, Settings
from shared.errors import RateLimitedError
from shared.observability import metrics
from shared.observability.logs import security_event

logger = logging.getLogger("authservice.ratelimit")


LimitName = Literal[
    "login",
    "login_ip",
    "login_failures",
    "register",
    "refresh",
    "logout",
    "password_reset",
    "password_reset_email",
]


KEY_PREFIX = "authservice"


UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True, slots=True)
class Quota:
    """Where a client stands against one limit, as the RateLimit-* headers report it."""

    limit: int
    remaining: int
    reset_after: int  # seconds until a slot frees

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_after),
        }


# A store that drops packets must not hold requests: this long to connect or to answer,
# then the call fails open.
STORAGE_TIMEOUT_SECONDS = 0.5


def _storage(url: str) -> Storage:
    options: dict[str, float] = {}
    if urlsplit(url).scheme.startswith(("redis", "valkey")):
        options = {
            "socket_connect_timeout": STORAGE_TIMEOUT_SECONDS,
            "socket_timeout": STORAGE_TIMEOUT_SECONDS,
        }
    storage = storage_from_string(url, **options)
    assert isinstance(storage, Storage)  # the settings refuse the async+ schemes
    return storage


def _storage_down(name: LimitName) -> None:
    # Fail open: an unreachable Redis must not take login down with it. Logged loudly.
    logger.exception("rate limit storage unavailable; request let through", extra={"limit": name})


class RateLimiter:
    """The process's limiter: the configured limits, their storage and the trusted proxies."""

    def __init__(self, settings: Settings, *, storage: Storage | None = None) -> None:
        self.enabled = settings.rate_limit_enabled
        self.trusted_proxies: Sequence[IPNetwork] = settings.trusted_proxies
        self.limits: dict[LimitName, list[RateLimitItem]] = {
            "login": parse_many(settings.rate_limit_login),
            "login_ip": parse_many(settings.rate_limit_login_ip),
            "login_failures": parse_many(settings.rate_limit_login_failures),
            "register": parse_many(settings.rate_limit_register),
            "refresh": parse_many(settings.rate_limit_refresh),
            "logout": parse_many(settings.rate_limit_logout),
            "password_reset": parse_many(settings.rate_limit_password_reset),
            "password_reset_email": parse_many(settings.rate_limit_password_reset_email),
        }
        self.storage = storage or _storage(settings.rate_limit_storage_url)
        self.strategy = MovingWindowRateLimiter(self.storage)

    def hit(self, name: LimitName, *identifiers: str) -> Quota | None:
        """Count one request against the named limit; RateLimitedError when it is spent.

        Counting is the storage's atomic hit-and-test, so requests racing in parallel get no
        more through than requests in a row. Returns the tightest quota left, or None when
        limiting is off or the storage is down (counting then fails open, and says so).
        """
        if not self.enabled:
            return None
        keys = _keys((name, *identifiers))
        try:
            # A refused hit records nothing (the moving window only adds below the limit).
            refused = next(
                (item for item in self.limits[name] if not self.strategy.hit(item, *keys)), None
            )
            tightest = None
            if refused is None:
                tightest = min(
                    (self._quota(item, keys) for item in self.limits[name]),
                    key=lambda quota: quota.remaining,
                )
        except Exception:
            _storage_down(name)
            return None
        if refused is not None:
            self._refuse(name, refused, keys)
        return tightest

    def reset(self, name: LimitName, *identifiers: str) -> None:
        """Forget the counts (e.g. an account's failures after a successful login)."""
        if not self.enabled:
            return
        keys = _keys((name, *identifiers))
        try:
            for item in self.limits[name]:
                self.strategy.clear(item, *keys)
        except Exception:
            _storage_down(name)

    def _quota(self, item: RateLimitItem, keys: Sequence[str]) -> Quota:
        reset_time, remaining = self.strategy.get_window_stats(item, *keys)
        reset_after = max(0, math.ceil(reset_time - time.time()))
        return Quota(limit=item.amount, remaining=max(0, remaining), reset_after=reset_after)

    def _refuse(self, name: LimitName, item: RateLimitItem, keys: Sequence[str]) -> NoReturn:
        try:
            retry_after = max(1, self._quota(item, keys).reset_after)
        except Exception:
            _storage_down(name)
            retry_after = item.get_expiry()  # the longest the client could have to wait
        security_event("rate_limited", limit=name, policy=str(item))
        metrics.count_rate_limited(name)
        raise RateLimitedError(
            headers={
                "Retry-After": str(retry_after),
                **Quota(limit=item.amount, remaining=0, reset_after=retry_after).headers(),
            }
        )

    def client_ip(self, scope: Mapping[str, Any]) -> str:
        """The client a limit counts: its address (a whole /64 for IPv6), see client_address."""
        peer = self._client(scope)
        return UNKNOWN_CLIENT if peer is None else _bucket(peer)

    def client_address(self, scope: Mapping[str, Any]) -> str | None:
        """The client's exact address as the audit trail records it; None when unknown."""
        peer = self._client(scope)
        return None if peer is None else str(peer)

    def _client(
        self, scope: Mapping[str, Any]
    ) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        """The client's address: the socket peer, or X-Forwarded-For read through trusted proxies.

        The header is read from the right: each hop appends the address it saw, so the first
        address that is not a trusted proxy is the client. Entries further left were written
        by the client and are never believed, so nobody picks their own IP.
        """
        client = scope.get("client")
        peer = _parse_ip(client[0]) if client else None
        if peer is None:
            return None
        if self._is_trusted(peer):
            # Several X-Forwarded-For headers are one list, in order (RFC 9110 field lines).
            forwarded = ",".join(
                value.decode("latin-1")
                for header, value in scope.get("headers", ())
                if header == b"x-forwarded-for"
            )
            for entry in reversed(forwarded.split(",") if forwarded else []):
                hop = _parse_ip(entry.strip())
                if hop is None:
                    break
                peer = hop
                if not self._is_trusted(hop):
                    break
        return peer

    def _is_trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in self.trusted_proxies)


# Every request parses its peer's address (for the audit trail and the limits): the peers a
# worker sees are few, mostly its proxies, so each is parsed once.
@lru_cache(maxsize=4096)
def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _bucket(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    # One IPv6 subscriber usually holds a whole /64: counting single addresses would let a
    # client rotate through 2**64 of them.
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _keys(identifiers: Sequence[str]) -> tuple[str, ...]:
    # Hashed: the storage (Redis, say) never holds an email, and no key grows with the input.
    digest = hashlib.sha256("\x00".join(identifiers).encode()).hexdigest()[:32]
    return (KEY_PREFIX, digest)


class FailureCounter:
    """Failed attempts per account from every IP, for a handler: reserve, then reset.

    A plain object, so handlers use it without importing the web framework.
    """

    def __init__(self, limiter: RateLimiter, *, name: LimitName = "login_failures") -> None:
        self.limiter = limiter
        self.name: LimitName = name

    def reserve(self, account: str) -> None:
        """Count an attempt as failed before the password is checked; RateLimitedError when
        the account has failed too often lately, whatever the password.

        Counted first, so parallel guesses cannot all pass a check before any is recorded.
        """
        self.limiter.hit(self.name, account)

    def reset(self, account: str) -> None:
        """Forget the account's failures, after it proves its password."""
        self.limiter.reset(self.name, account)
