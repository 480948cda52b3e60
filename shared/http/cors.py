"""CORS as the settings allow it, with a refused preflight answered as a problem."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.middleware import _send_problem

CORS_METHODS = ("GET", "POST", "PUT", "DELETE")


CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "X-Request-ID",
)


CORS_EXPOSED_HEADERS = (
    "ETag",
    "Location",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "X-Request-ID",
)


CORS_MAX_AGE_SECONDS = 600


class CORSMiddleware:
    """CORS for the origins in CORS_ORIGINS; a refused preflight is a 403 problem.

    Starlette's own answers a refused preflight with a plain-text 400, which breaks the
    problem-details promise. No credentials mode: the API takes bearer tokens, not cookies.
    """

    def __init__(self, app: ASGIApp, *, origins: Iterable[str]) -> None:
        self.app = app
        self.origins = frozenset(origins)
        self.any_origin = "*" in self.origins
        self.allowed_headers = frozenset(name.lower() for name in CORS_REQUEST_HEADERS)

    def _allows(self, origin: str) -> bool:
        return self.any_origin or origin in self.origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        requested_method = headers.get("access-control-request-method")
        if scope["method"] == "OPTIONS" and requested_method is not None:
            await self._preflight(scope, send, origin, requested_method, headers)
            return
        if not self._allows(origin):
            # Served without CORS headers: the browser keeps the response from the page.
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers["access-control-allow-origin"] = self._origin_value(origin)
                response_headers["access-control-expose-headers"] = ", ".join(CORS_EXPOSED_HEADERS)
                response_headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _origin_value(self, origin: str) -> str:
        return "*" if self.any_origin else origin

    async def _preflight(
        self, scope: Scope, send: Send, origin: str, method: str, headers: Headers
    ) -> None:
        requested_headers = {
            name.strip().lower()
            for name in headers.get("access-control-request-headers", "").split(",")
            if name.strip()
        }
        refusal = None
        if not self._allows(origin):
            refusal = "This origin is not allowed to call the API from a browser."
        elif method not in CORS_METHODS:
            refusal = f"Method {method} is not allowed from a browser."
        elif not requested_headers <= self.allowed_headers:
            refusal = "A requested header is not allowed from a browser."
        if refusal is not None:
            await _send_problem(
                send,
                scope,
                status=403,
                code="cors_refused",
                detail=refusal,
                request_id=scope["state"]["request_id"],
                extra_headers=[(b"vary", b"Origin")],
            )
            return
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [
                    (b"access-control-allow-origin", self._origin_value(origin).encode()),
                    (b"access-control-allow-methods", ", ".join(CORS_METHODS).encode()),
                    (b"access-control-allow-headers", ", ".join(CORS_REQUEST_HEADERS).encode()),
                    (b"access-control-max-age", str(CORS_MAX_AGE_SECONDS).encode()),
                    (b"vary", b"Origin"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})
