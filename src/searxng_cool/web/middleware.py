"""Two small ASGI middlewares: security headers on pages, and the pages' bridge to the API.

`SecurityHeaders` puts a Content-Security-Policy without inline scripts (scripts and styles
only from this server) and the usual hardening headers on every HTML page the web pages
render (not on /docs, whose page is the API's). `ApiSessionBridge` lets the pages' scripts
call `/api/v1/...` with the session cookie: when a request carries no Authorization header,
a valid session cookie AND the matching `X-CSRF-Token` header, it is authorised as
`Authorization: Token <the session's token>`. Without the CSRF header the cookie is ignored,
so another site cannot make the browser call the API.

For the pages' own paths (`PAGE_PREFIXES`, never the API's or /1/), a session cookie is
also presented to the rate limiter as that token, so a logged-in browser is counted per
session (the per-token budget) rather than with everyone behind its address. Page routes
never read the Authorization header: it cannot authorise anything there.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from searxng_cool.web.session import (
    CSRF_HEADER,
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    csrf_for,
    split_cookie,
)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
API_DOC_PATHS = ("/docs", "/redoc")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(API_DOC_PATHS):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                kind = dict(headers).get(b"content-type", b"")
                if kind.startswith(b"text/html"):
                    extra = list(HEADERS)
                    if not any(name == b"cache-control" for name, _ in headers):
                        extra.append((b"cache-control", b"no-store"))  # pages hold private data
                    message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _cookies(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in headers:
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is ignored, as no cookie
                return {}
    return {key: morsel.value for key, morsel in jar.items()}


PAGE_PREFIXES = (
    "/login",
    "/logout",
    "/search",
    "/artists/",
    "/albums/",
    "/tracks/",
    "/playlists",
    "/playlist-tracks",
    "/tokens",
    "/listening",
    "/discovery",
    "/admin/",
    "/static/",
)


def is_page_path(path: str) -> bool:
    return path == "/" or path.startswith(PAGE_PREFIXES)


class ApiSessionBridge:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = str(scope["path"])
            if path.startswith("/api/v1/"):
                scope = self._authorised(scope)
            elif is_page_path(path):
                scope = self._counted_per_session(scope)
        await self.app(scope, receive, send)

    @staticmethod
    def _counted_per_session(scope: Scope) -> Scope:
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        if any(name == b"authorization" for name, _ in headers):
            return scope
        found = split_cookie(_cookies(headers).get(SESSION_COOKIE))
        if found is None:
            return scope
        changed: dict[str, Any] = dict(scope)
        changed["headers"] = [*headers, (b"authorization", f"Token {found[1]}".encode())]
        return changed

    @staticmethod
    def _authorised(scope: Scope) -> Scope:
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        names = {name for name, _ in headers}
        if b"authorization" in names:
            return scope
        presented = dict(headers).get(CSRF_HEADER.lower().encode(), b"").decode("latin-1")
        cookies = _cookies(headers)
        raw = cookies.get(SESSION_COOKIE)
        found = split_cookie(raw)
        if not presented or raw is None or found is None:
            return scope
        if not hmac.compare_digest(presented, csrf_for(raw)):
            return scope
        changed: dict[str, Any] = dict(scope)
        changed["headers"] = [*headers, (b"authorization", f"Token {found[1]}".encode())]
        return changed


__all__ = ["PRE_SESSION_COOKIE", "ApiSessionBridge", "SecurityHeaders"]
