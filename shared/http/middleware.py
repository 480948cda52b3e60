"""Pure ASGI middleware: request ids, security headers, body limit, 500s, access log."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.audit.events import RequestContext, set_current_request
from shared.http.problems import PROBLEM_MEDIA_TYPE, BodyTooLargeError, problem_body
from shared.observability import metrics
from shared.observability.logs import bind_request, log_access, unbind_request

logger = logging.getLogger("authservice.errors")


REQUEST_ID_HEADER = "x-request-id"


_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestContextMiddleware:
    """Gives each request an id and safe headers, caps its body, turns crashes into 500s, and
    logs one line per request (id, method, path, status, duration, user id when known).

    Pure ASGI rather than BaseHTTPMiddleware: no extra task or stream copy per request.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        client_ip: Callable[[Scope], str | None] = lambda _scope: None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # The client address as TRUSTED_PROXIES decides it, for the audit events of the request.
        self.client_ip = client_ip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = headers.get(REQUEST_ID_HEADER, "")
        if not _VALID_REQUEST_ID.fullmatch(request_id):
            # 128 random bits, as a uuid4 carries, for a third of uuid4's cost.
            request_id = secrets.token_hex(16)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        set_current_request(
            RequestContext.of(
                ip=self.client_ip(scope),
                user_agent=headers.get("user-agent"),
                request_id=request_id,
            )
        )
        status = 500
        started = time.perf_counter()
        # The socket peer; under `python main.py serve` with TRUSTED_PROXIES, uvicorn has put
        # the address its proxy saw here already.
        client = scope.get("client")
        context = bind_request(request_id, client[0] if client else None)

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = MutableHeaders(scope=message)
                response_headers[REQUEST_ID_HEADER] = request_id
                response_headers["x-content-type-options"] = "nosniff"
            await send(message)

        try:
            await self._handle(scope, receive, send_with_headers, headers, request_id)
        finally:
            elapsed = time.perf_counter() - started
            # The template the router matched (`/api/users/{user_id}`), never the raw path.
            route = getattr(scope.get("route"), "path_format", None)
            metrics.record_request(scope["method"], route, status, elapsed)
            log_access(
                f"{scope['method']} {scope['path']} {status}",
                {
                    "request_id": request_id,
                    "method": scope["method"],
                    # The path only: a query string may carry what does not belong in logs.
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "user_id": state.get("user_id"),
                },
            )
            unbind_request(context)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, headers: Headers, request_id: str
    ) -> None:
        declared_length = headers.get("content-length", "")
        if declared_length.isdigit() and int(declared_length) > self.max_body_bytes:
            await _send_problem(
                send,
                scope,
                status=413,
                code="payload_too_large",
                detail=f"The request body exceeds {self.max_body_bytes} bytes.",
                request_id=request_id,
            )
            return
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, self._capped(receive), tracking_send)
        except Exception:
            logger.exception("unhandled error", extra={"request_id": request_id})
            if response_started:
                raise
            await _send_problem(
                send,
                scope,
                status=500,
                code="internal_error",
                detail=f"An unexpected error occurred; quote request id {request_id}.",
                request_id=request_id,
            )

    def _capped(self, receive: Receive) -> Receive:
        received = 0

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # Chunked bodies declare no length: count as they arrive.
                    raise BodyTooLargeError()
            return message

        return capped_receive


async def _send_problem(
    send: Send,
    scope: Scope,
    *,
    status: int,
    code: str,
    detail: str,
    request_id: str,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = problem_body(
        status=status,
        code=code,
        detail=detail,
        instance=scope.get("path", ""),
        request_id=request_id,
    )
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(payload)).encode()),
                *(extra_headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
