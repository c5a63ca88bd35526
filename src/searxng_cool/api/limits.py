"""Rate limits with ListenBrainz's headers, and a cap on request body size.

Every response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset-In`
(seconds) and `X-RateLimit-Reset` (unix time); over the limit the answer is 429 with
`Retry-After`. Requests are counted per API token, or per client address when they carry
none, in fixed windows. The store is in-process (one per worker); a shared store is a
matter for scale-out.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from searxng_cool.api.problems import LISTENBRAINZ_PREFIX, PROBLEM_JSON

# ListenBrainz's own limit for a submission: 1000 listens of at most 10,240 bytes each.
SUBMIT_LISTENS_PATH = "/1/submit-listens"
MAX_LISTEN_PAYLOAD_BYTES = 10_240 * 1000
PRUNE_EVERY = 1000


@dataclass
class Window:
    started: float
    count: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float
    now: float

    @property
    def reset_in(self) -> int:
        return max(0, math.ceil(self.reset_at - self.now))

    def headers(self) -> list[tuple[bytes, bytes]]:
        values = {
            "X-RateLimit-Limit": self.limit,
            "X-RateLimit-Remaining": self.remaining,
            "X-RateLimit-Reset-In": self.reset_in,
            "X-RateLimit-Reset": math.ceil(self.reset_at),
        }
        headers = [(k.lower().encode(), str(v).encode()) for k, v in values.items()]
        if not self.allowed:
            headers.append((b"retry-after", str(max(1, self.reset_in)).encode()))
        return headers


class RateLimiter:
    """Fixed-window counters per key, in this process."""

    def __init__(self, *, window_seconds: int, clock: Callable[[], float] = time.time) -> None:
        self.window = float(window_seconds)
        self.clock = clock
        self.windows: dict[str, Window] = {}
        self.calls = 0

    def hit(self, key: str, limit: int) -> Verdict:
        now = self.clock()
        self.calls += 1
        if self.calls % PRUNE_EVERY == 0:
            self._prune(now)
        window = self.windows.get(key)
        if window is None or now - window.started >= self.window:
            window = self.windows[key] = Window(started=now, count=0)
        window.count += 1
        allowed = window.count <= limit
        return Verdict(
            allowed=allowed,
            limit=limit,
            remaining=max(0, limit - window.count),
            reset_at=window.started + self.window,
            now=now,
        )

    def _prune(self, now: float) -> None:
        for key in [k for k, w in self.windows.items() if now - w.started >= self.window]:
            del self.windows[key]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def rate_key(scope: Scope) -> tuple[str, bool]:
    """(key, has_token): a digest of the presented token, else the client address."""
    authorization = _header(scope, b"authorization")
    parts = (authorization or "").split(" ", 1)
    if len(parts) == 2 and parts[0].lower() in ("token", "bearer") and parts[1].strip():
        return "token:" + hashlib.sha256(parts[1].strip().encode()).hexdigest(), True
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}", False


def _error_body(path: str, status: int, detail: str, title: str) -> tuple[bytes, bytes]:
    if path.startswith(LISTENBRAINZ_PREFIX):
        return json.dumps({"code": status, "error": detail}).encode(), b"application/json"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return json.dumps(body).encode(), PROBLEM_JSON.encode()


async def _refuse(
    send: Send,
    path: str,
    status: int,
    detail: str,
    *,
    title: str,
    headers: list[tuple[bytes, bytes]],
) -> None:
    body, media = _error_body(path, status, detail, title)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RateLimitMiddleware:
    """Counts each HTTP request and adds the X-RateLimit-* headers; 429 over the limit."""

    def __init__(
        self, app: ASGIApp, *, limiter: RateLimiter, per_token: int, per_address: int
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.per_token = per_token
        self.per_address = per_address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key, has_token = rate_key(scope)
        verdict = self.limiter.hit(key, self.per_token if has_token else self.per_address)
        headers = verdict.headers()
        if not verdict.allowed:
            detail = (
                f"rate limit of {verdict.limit} requests per window exceeded;"
                f" retry in {max(1, verdict.reset_in)} seconds"
            )
            await _refuse(
                send, scope["path"], 429, detail, title="Too Many Requests", headers=headers
            )
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(StarletteHTTPException):
    """Raised while the body is read, so the app's HTTP error handler answers it (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    """Refuses bodies over the limit (413): by Content-Length up front, else while reading."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def limit_for(self, path: str) -> int:
        return MAX_LISTEN_PAYLOAD_BYTES if path == SUBMIT_LISTENS_PATH else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = self.limit_for(path)
        detail = f"the request body is larger than {limit} bytes"
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, path, 413, detail, title="Content Too Large", headers=[])
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, path, 413, detail, title="Content Too Large", headers=[])
