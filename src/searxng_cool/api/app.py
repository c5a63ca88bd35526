"""The FastAPI application: routers, error handlers, rate limits and the body size limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from searxng_cool import __version__
from searxng_cool.api import problems
from searxng_cool.api.limits import BodyLimitMiddleware, RateLimiter, RateLimitMiddleware
from searxng_cool.api.listenbrainz import routes as listenbrainz
from searxng_cool.api.routes import admin, catalog, discovery, health, me, playlists
from searxng_cool.config import Settings
from searxng_cool.db.engine import make_engine

DESCRIPTION = """\
The SearXNG-Cool music database over HTTP.

* `/api/v1/...`: the catalog, your account and tokens, interactions, playlists, discovery,
  and (for admins) status, validation and users. Errors are RFC 9457 `application/problem+json`.
* `/1/...`: the ListenBrainz-compatible subset, so scrobblers and `liblistenbrainz` work
  unmodified when pointed at this server. Errors are ListenBrainz's `{"code", "error"}`.

Authenticate with a personal API token: `Authorization: Token <token>` (or `Bearer <token>`).
Every response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset-In`
and `X-RateLimit-Reset`; over the limit the answer is 429 with `Retry-After`.
"""


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """The application; it makes its engine from `settings` unless one is given (tests)."""
    own_engine = engine is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = engine if engine is not None else make_engine(settings.database)
        try:
            yield
        finally:
            if own_engine:
                app.state.engine.dispose()

    app = FastAPI(
        title="SearXNG-Cool",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    problems.install(app)
    app.include_router(health.router)
    app.include_router(catalog.router)
    app.include_router(me.router)
    app.include_router(playlists.router)
    app.include_router(discovery.router)
    app.include_router(admin.router)
    app.include_router(listenbrainz.router)
    api = settings.api
    app.add_middleware(BodyLimitMiddleware, max_bytes=api.max_body_bytes)
    app.add_middleware(
        RateLimitMiddleware,
        limiter=RateLimiter(window_seconds=api.rate_limit_window_seconds),
        per_token=api.rate_limit_per_token,
        per_address=api.rate_limit_per_address,
    )
    return app


def app_from_config() -> FastAPI:
    """The application for `serve` (uvicorn's factory): settings read once, here."""
    from searxng_cool.config import load_settings

    return create_app(load_settings())
