"""What routes are given: the request's one transaction, and who is calling.

`DbConnection` opens one transaction per request (committed when the route returns, rolled
back when it raises, before the response is sent). `CurrentUser` is the account of the
`Authorization: Token <t>` (ListenBrainz's form) or `Bearer <t>` header; `OptionalUser`
is None for anonymous calls; `AdminUser` must be an admin.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from sqlalchemy import Connection, Engine

from searxng_cool.accounts import Account, authenticate_token
from searxng_cool.errors import Forbidden, Unauthenticated

# Declared as an API key header so /docs offers "Authorize" and the OpenAPI says how.
_authorization = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="`Token <token>` or `Bearer <token>` (a personal API token)",
)


def _connection(request: Request) -> Iterator[Connection]:
    engine: Engine = request.app.state.engine
    with engine.begin() as connection:
        yield connection


DbConnection = Annotated[Connection, Depends(_connection, scope="function")]

# Dependencies that only look at values are `async`: run on the event loop, they save the
# hop to the thread pool that every sync dependency costs on every request.


def presented_token(header: str | None) -> str | None:
    """The token of an `Authorization: Token <t>` or `Bearer <t>` header, if any."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() not in ("token", "bearer") or not value.strip():
        raise Unauthenticated(
            "the Authorization header must be 'Token <token>' or 'Bearer <token>'"
        )
    return value.strip()


def _optional_user(
    connection: DbConnection, header: Annotated[str | None, Depends(_authorization)]
) -> Account | None:
    token = presented_token(header)
    return None if token is None else authenticate_token(connection, token=token)


OptionalUser = Annotated[Account | None, Depends(_optional_user)]


async def _current_user(user: OptionalUser) -> Account:
    if user is None:
        raise Unauthenticated(
            "this operation needs an API token: send 'Authorization: Token <token>'"
        )
    return user


CurrentUser = Annotated[Account, Depends(_current_user)]


async def _admin_user(user: CurrentUser) -> Account:
    if not user.is_admin:
        raise Forbidden(f"user {user.username!r} is not an admin; this operation is for admins")
    return user


AdminUser = Annotated[Account, Depends(_admin_user)]
