"""ETags: every entity and playlist response says how to revalidate it.

Entities get a strong ETag of their JSON body; playlists one of their version (so the same
value works in `If-Match` for edits). A matching `If-None-Match` answers 304. Responses are
`private, no-cache`: they need the caller's token, and a cache must revalidate.
"""

from __future__ import annotations

import hashlib

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from searxng_cool.api.problems import PreconditionFailed, PreconditionRequired

CACHE_CONTROL = "private, no-cache"


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    candidates = [value.strip().removeprefix("W/") for value in header.split(",")]
    return "*" in candidates or etag in candidates


def cached(request: Request, body: BaseModel, *, etag: str | None = None) -> Response:
    """`body` as JSON with an ETag (of the body unless given); 304 when the client has it."""
    content = body.model_dump_json().encode()
    tag = etag or '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
    if _matches(request.headers.get("If-None-Match"), tag):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type="application/json", headers=headers)


def version_etag(version: int) -> str:
    return f'"v{version}"'


def expected_version(request: Request, *, required: bool = True) -> int | None:
    """The playlist version named by `If-Match: "v<n>"`; 428 when required and absent."""
    header = request.headers.get("If-Match")
    if header is None:
        if required:
            raise PreconditionRequired(
                'this edit needs the playlist\'s version: send If-Match: "v<version>"'
                " (the ETag of the playlist)"
            )
        return None
    value = header.strip().removeprefix("W/").strip('"')
    if not value.startswith("v") or not value[1:].isdigit() or len(value) > 12:
        raise PreconditionFailed(
            f'If-Match {header[:40]!r} is not a playlist version; expected "v<version>"'
        )
    return int(value[1:])


def json_with_etag(content: BaseModel, etag: str, status_code: int = 200) -> JSONResponse:
    return JSONResponse(
        content.model_dump(mode="json"),
        status_code=status_code,
        headers={"ETag": etag, "Cache-Control": CACHE_CONTROL},
    )
