"""The error responses routes declare in the OpenAPI document (problem+json)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    """RFC 9457 problem details; `field` names the offending input on a 422."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = None
    errors: list[dict[str, str]] | None = None


def problem_response(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {}},
    }


AUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: problem_response("no token, or a token that is unknown, revoked or expired"),
    413: problem_response("request body too large"),
    422: problem_response("invalid input; `field` names it"),
    429: problem_response("rate limit exceeded (see Retry-After)"),
}
OWNED: dict[int | str, dict[str, Any]] = {
    403: problem_response("the caller may not do this"),
    404: problem_response("not found (or not visible to the caller)"),
}
