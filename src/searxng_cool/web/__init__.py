"""The web pages served beside the API: listener pages at `/`, operator pages at `/admin/`.

Rendered on the server (Jinja2), charts as SVG, small scripts only for type-ahead and
drag-to-reorder. `install(app)` mounts everything on the API's application.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from searxng_cool.web import admin_pages, pages
from searxng_cool.web.middleware import ApiSessionBridge, SecurityHeaders
from searxng_cool.web.rendering import HERE


def install(app: FastAPI) -> None:
    """Mount the pages, their static files and the session/CSRF/CSP middlewares."""
    app.include_router(pages.router)
    app.include_router(admin_pages.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ApiSessionBridge)
