"""Routes' use of the Redis read cache: the request's path and query are the key."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy import Connection

from searxng_cool.cache import ReadCache

M = TypeVar("M", bound=BaseModel)


def cached_read(
    request: Request,
    connection: Connection,
    namespace: str,
    compute: Callable[[], M],
    model: type[M],
) -> M:
    """`compute()`, or the same answer from Redis for this request and catalog version."""
    cache: ReadCache | None = getattr(request.app.state, "cache", None)
    if cache is None or not cache.enabled:
        return compute()
    params = sorted(request.query_params.multi_items())
    return cache.get_or_compute(
        connection,
        namespace=namespace,
        request_key=f"{request.url.path}?{params!r}",
        compute=compute,
        encode=lambda value: value.model_dump_json().encode(),
        decode=model.model_validate_json,
    )
