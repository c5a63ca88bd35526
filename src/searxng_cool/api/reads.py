"""Read-only routes' connection: a replica when one may serve the caller, else the primary.

The caller's session is its API token (or its address when anonymous), the same key the
rate limiter counts. A request that writes (any method but GET/HEAD/OPTIONS) records the
commit LSN of its transaction for its session (see `deps`); this session's reads then go
to a replica only once that replica has replayed the write. The response says where the
read went: `X-Read-Target: primary|replica|fallback`, `X-Read-Replica: <name>`, and
`X-Read-Consistency: stale-tolerant` when the replica may lag (up to the configured limit).

A replica that dies while a GET is being served: the connection error marks the replica
down, and `ReplicaRetryMiddleware` runs the request once more, on the primary.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from searxng_cool.api.limits import rate_key
from searxng_cool.db.routing import ReadRouter

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORCE_PRIMARY = "searxng_force_primary"
_REPLICA_FAILED = "searxng_replica_failed"
_READ_HEADERS = "searxng_read_headers"


def session_key(request: Request) -> str:
    return rate_key(request.scope)[0]


def _read_connection(request: Request) -> Iterator[Connection]:
    router: ReadRouter = request.app.state.router
    state = request.scope.setdefault("state", {})
    session = session_key(request)
    if state.get(_FORCE_PRIMARY):
        with router.primary.connect() as connection, connection.begin():
            state[_READ_HEADERS] = [(b"x-read-target", b"fallback")]
            yield connection
        return
    with router.read(session=session) as result:
        route = result.route
        headers = [(b"x-read-target", route.target.encode())]
        if route.replica:
            headers.append((b"x-read-replica", route.replica.encode()))
        if route.stale_tolerant:
            headers.append((b"x-read-consistency", b"stale-tolerant"))
        state[_READ_HEADERS] = headers  # added by ReplicaRetryMiddleware to any response
        try:
            yield result.connection
        except OperationalError:
            if route.target == "replica":
                state[_REPLICA_FAILED] = True
            raise
        except DBAPIError as exc:
            if route.target == "replica" and exc.connection_invalidated:
                state[_REPLICA_FAILED] = True
            raise


ReadConnection = Annotated[Connection, Depends(_read_connection, scope="function")]


class ReplicaRetryMiddleware:
    """A GET whose replica failed mid-read is answered again, from the primary."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        held: list[Message] = []

        async def holding_send(message: Message) -> None:
            if state.get(_REPLICA_FAILED):
                held.append(message)
                return
            await send(with_read_headers(message))

        def with_read_headers(message: Message) -> Message:
            extra = state.get(_READ_HEADERS)
            if message["type"] != "http.response.start" or not extra:
                return message
            return {**message, "headers": [*message.get("headers", []), *extra]}

        await self.app(scope, receive, holding_send)
        if not state.get(_REPLICA_FAILED):
            return
        state[_REPLICA_FAILED] = False
        state[_FORCE_PRIMARY] = True

        async def empty_receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def sending(message: Message) -> None:
            await send(with_read_headers(message))

        await self.app(scope, empty_receive, sending)
