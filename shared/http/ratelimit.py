"""The rate limiter as FastAPI dependencies: per route, per request, failures per account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response

from shared.ratelimit.limiter import FailureCounter, LimitName, Quota, RateLimiter


class RequestLimits:
    """The limiter bound to one request: its client IP, and the response to report quotas on."""

    def __init__(self, limiter: RateLimiter, *, client_ip: str, response: Response) -> None:
        self.limiter = limiter
        self.client_ip = client_ip
        self.response = response

    def hit(self, name: LimitName, *identifiers: str) -> None:
        """Count this request against `name` for this client IP (plus identifiers, if any)."""
        self._report(self.limiter.hit(name, self.client_ip, *identifiers))

    def hit_from_anywhere(self, name: LimitName, identifier: str) -> None:
        """Count this request against `name` for `identifier` (an email), whatever the IP."""
        self._report(self.limiter.hit(name, identifier))

    def _report(self, quota: Quota | None) -> None:
        if quota is not None:
            self.response.headers.update(quota.headers())


def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


def get_request_limits(request: Request, response: Response) -> RequestLimits:
    limiter = get_rate_limiter(request)
    return RequestLimits(limiter, client_ip=limiter.client_ip(request.scope), response=response)


def get_login_failures(request: Request) -> FailureCounter:
    return FailureCounter(get_rate_limiter(request))


RequestLimitsDep = Annotated[RequestLimits, Depends(get_request_limits)]


LoginFailuresDep = Annotated[FailureCounter, Depends(get_login_failures)]


def rate_limit(name: LimitName) -> Any:
    """A dependency counting each request to the route against `name`, per client IP.

    Use in `dependencies=[rate_limit("register")]`; declare 429 in the route's responses.
    """

    def count_request(limits: RequestLimitsDep) -> None:
        limits.hit(name)

    return Depends(count_request)
