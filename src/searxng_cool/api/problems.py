"""Errors as responses: RFC 9457 problem+json on our API, ListenBrainz's shape under /1/.

The project's errors map to statuses (NotFound 404, Conflict 409, InvalidInput 422,
Forbidden 403, Unauthenticated 401, RateLimited 429); anything else is a 500 whose body says
nothing about the cause (no stack trace, no SQL). The message of a project error is meant
for the user and is shown as the problem's `detail`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from searxng_cool.config import redact
from searxng_cool.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    SearxngCoolError,
    StaleVersion,
    Unauthenticated,
)

log = logging.getLogger("searxng_cool.api")

PROBLEM_JSON = "application/problem+json"
LISTENBRAINZ_PREFIX = "/1/"

STATUS_OF: tuple[tuple[type[SearxngCoolError], int, str], ...] = (
    (NotFound, 404, "Not Found"),
    (Conflict, 409, "Conflict"),
    (InvalidInput, 422, "Unprocessable Content"),
    (Forbidden, 403, "Forbidden"),
    (Unauthenticated, 401, "Unauthorized"),
    (RateLimited, 429, "Too Many Requests"),
)
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class PreconditionFailed(StaleVersion):
    """An If-Match header that names no playlist version (HTTP 412, like a stale one)."""


class PreconditionRequired(InvalidInput):
    """An edit that needs an If-Match header sent without one (HTTP 428)."""


def is_listenbrainz(request: Request) -> bool:
    return request.url.path.startswith(LISTENBRAINZ_PREFIX)


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """The error response for `request`: problem+json, or ListenBrainz's shape under /1/."""
    detail = redact(detail)
    if is_listenbrainz(request):
        # ListenBrainz answers 400 where we say 422; its clients only know its codes.
        code = 400 if status == 422 else status
        return JSONResponse({"code": code, "error": detail}, status_code=code, headers=headers)
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def status_of(error: SearxngCoolError) -> int:
    if isinstance(error, StaleVersion):
        return 412
    if isinstance(error, PreconditionRequired):
        return 428
    for kind, status, _ in STATUS_OF:
        if isinstance(error, kind):
            return status
    return 500


async def _project_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SearxngCoolError)
    status = status_of(exc)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    if status == 401 and not is_listenbrainz(request):
        headers = {"WWW-Authenticate": 'Bearer realm="searxng-cool"'}
    if status == 500:
        log.error("unmapped project error on %s: %s", request.url.path, exc)
        return problem(request, 500, "the server could not complete the request")
    return problem(request, status, str(exc), headers=headers)


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(location[-1] if location else "request")


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "request", "message": "invalid"}
    detail = f"{first['field']}: {first['message']}"
    return problem(request, 422, detail, extra={"field": first["field"], "errors": errors})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    return problem(request, exc.status_code, detail, headers=exc.headers)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, OperationalError):
        log.error("database unreachable on %s: %s", request.url.path, exc.orig)
        return problem(request, 503, "the database is unavailable; try again shortly")
    log.error("database error on %s: %s", request.url.path, exc)
    return problem(request, 500, "the server could not complete the request")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s", request.url.path)
    return problem(request, 500, "the server could not complete the request")


def install(app: FastAPI) -> None:
    app.add_exception_handler(SearxngCoolError, _project_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
