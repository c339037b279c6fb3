"""Pure ASGI middleware (safe for streamed responses): request ids, metrics, body limits.

* ``X-Request-ID`` is taken from the request (when it is a sane token) or generated, set for
  the logs, and returned on the response.
* Request count and latency are recorded per route template (``/conversations/{id}``), never
  per raw path, so ids do not explode the label space.
* Bodies over ``max_body_bytes`` get 413 before the app reads them (by Content-Length, or while
  streaming in); bodies that are not JSON on JSON endpoints get 415. Uploads (``POST
  /documents``) must be ``multipart/form-data`` instead and have their own, larger limit
  (``max_upload_body_bytes``; the route also limits each file while streaming it to disk).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any, Awaitable, Callable

from starlette.routing import Match

from tunedd_api.observability.logging import request_id
from tunedd_api.observability.metrics import HTTP_REQUESTS, HTTP_SECONDS

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_UPLOAD_PATHS = {"/documents", "/documents/"}


class _BodyTooLarge(Exception):
    pass


class RequestContextMiddleware:
    """Request id, per-route metrics, body size and content-type checks."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_upload_body_bytes: int | None = None
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_body_bytes = max_upload_body_bytes or max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        rid = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = {"code": 500}
        route = _route_template(scope)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-request-id", rid.encode())]
            await send(message)

        upload = scope["method"] == "POST" and scope["path"] in _UPLOAD_PATHS
        limit = self.max_upload_body_bytes if upload else self.max_body_bytes
        try:
            rejection = self._reject(scope, headers, limit, upload)
            if rejection is not None:
                await _send_error(send_with_id, *rejection)
                return
            try:
                await self.app(scope, self._limited(receive, limit), send_with_id)
            except _BodyTooLarge:
                await _send_error(send_with_id, *self._too_large(limit))
        finally:
            method = scope["method"]
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status["code"])).inc()
            HTTP_SECONDS.labels(method=method, route=route).observe(time.perf_counter() - started)
            request_id.reset(token)

    def _reject(
        self, scope: Scope, headers: dict[str, str], limit: int, upload: bool
    ) -> tuple[int, str, str] | None:
        if scope["method"] not in _BODY_METHODS:
            return None
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return self._too_large(limit)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if upload:
            if content_type == "multipart/form-data":
                return None
            return (
                415,
                "unsupported_media_type",
                "send the files as multipart/form-data (curl -F files=@paper.pdf)",
            )
        has_body = length not in (None, "0") or "transfer-encoding" in headers
        if has_body and content_type and not content_type.endswith("json"):
            return (
                415,
                "unsupported_media_type",
                f"send JSON (Content-Type: application/json), not {content_type!r}",
            )
        return None

    def _too_large(self, limit: int) -> tuple[int, str, str]:
        return 413, "body_too_large", f"request body over {limit} bytes"

    def _limited(self, receive: Receive, limit: int) -> Receive:
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge()
            return message

        return limited_receive


def _route_template(scope: Scope) -> str:
    """The matching route's path template, or ``unmatched``."""
    app = scope.get("app")
    router = getattr(app, "router", None)
    for route in getattr(router, "routes", []):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return getattr(route, "path", "unmatched")
    return "unmatched"


async def _send_error(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps({"detail": detail, "code": code}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
