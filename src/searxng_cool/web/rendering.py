"""Templates, the page route class (service errors become HTML pages) and small helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from searxng_cool.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from searxng_cool.web.rules_text import describe
from searxng_cool.web.session import (
    PRE_SESSION_COOKIE,
    LoginRequired,
    csrf_for,
    csrf_secret,
    new_pre_session,
)

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def _duration(ms: int | None) -> str:
    if not ms:
        return ""
    seconds = int(ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


templates.env.filters["duration"] = _duration
templates.env.filters["pretty"] = _pretty
templates.env.filters["rules_text"] = describe


def render(
    request: Request,
    name: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The template `name` with the viewer's CSRF token; a pre-session cookie is set when the
    visitor has neither session nor pre-session (so the login form has a token too)."""
    secret = csrf_secret(request)
    fresh = None
    if secret is None:
        fresh = secret = new_pre_session()
    context.setdefault("viewer", None)
    response = templates.TemplateResponse(
        request, name, {"csrf": csrf_for(secret), **context}, status_code=status_code
    )
    if fresh is not None:
        response.set_cookie(
            PRE_SESSION_COOKIE,
            fresh,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(value: str | None) -> str:
    """A local path to go back to after login; anything else (another site) becomes '/'."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


_STATUS = (
    (LoginRequired, 0),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 422),
    (RateLimited, 429),
)


class PageRoute(APIRoute):
    """Service errors on a page become an HTML page with the message (or the login redirect)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                wanted = request.url.path
                if request.url.query:
                    wanted += "?" + request.url.query
                return redirect("/login?next=" + quote(wanted, safe=""))
            except (Unauthenticated, Forbidden, NotFound, Conflict, InvalidInput, RateLimited) as e:
                status = next(code for kind, code in _STATUS if isinstance(e, kind))
                return render(
                    request,
                    "error.html",
                    status_code=status,
                    message=str(e),
                    status=status,
                )

        return page_handler
