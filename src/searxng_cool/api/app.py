"""The FastAPI application: routers, error handlers, rate limits and the body size limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from searxng_cool import __version__
from searxng_cool.api import metrics, problems
from searxng_cool.api.limits import (
    BodyLimitMiddleware,
    Limiter,
    RateLimiter,
    RateLimitMiddleware,
)
from searxng_cool.api.listenbrainz import routes as listenbrainz
from searxng_cool.api.reads import ReplicaRetryMiddleware
from searxng_cool.api.routes import admin, catalog, discovery, health, me, playlists
from searxng_cool.api.shared_limits import RedisRateLimiter
from searxng_cool.cache import ReadCache, SharedLsnTracker
from searxng_cool.config import Settings
from searxng_cool.db.engine import make_engine
from searxng_cool.db.read_engines import make_router
from searxng_cool.db.routing import ReadRouter
from searxng_cool.web import install as install_web_pages

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


def create_app(
    settings: Settings, *, engine: Engine | None = None, router: ReadRouter | None = None
) -> FastAPI:
    """The application; it makes its engine from `settings` unless one is given (tests).

    Reads go through `router` (read replicas): given, or made from the settings' replicas.
    """
    own_engine = engine is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = engine if engine is not None else make_engine(settings.database)
        app.state.router = router or (
            make_router(settings.database, app.state.engine)
            if own_engine
            else ReadRouter(app.state.engine)
        )
        app.state.router.observers.append(app.state.metrics.observe_read)
        if app.state.cache.enabled and app.state.router.replicas:
            # Read-your-writes across workers: session LSNs in the same Redis.
            app.state.router.tracker = SharedLsnTracker(app.state.cache.client)
        try:
            yield
        finally:
            if own_engine:
                app.state.engine.dispose()
            for replica in app.state.router.replicas:
                replica.engine.dispose()

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
    app.add_middleware(ReplicaRetryMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=api.max_body_bytes)
    cache = ReadCache.from_config(settings.cache)
    app.state.cache = cache
    limiter: Limiter = RateLimiter(window_seconds=api.rate_limit_window_seconds)
    if cache.enabled:  # one store for every worker and host
        limiter = RedisRateLimiter(
            cache.client,
            window_seconds=api.rate_limit_window_seconds,
            on_error=lambda: cache.counters.add("errors"),
        )
    app.add_middleware(
        RateLimitMiddleware,
        limiter=limiter,
        per_token=api.rate_limit_per_token,
        per_address=api.rate_limit_per_address,
    )
    metrics.install(app)  # the answers of every route, 429s too
    install_web_pages(app)  # outermost: pages' API calls are rate-limited per session token
    return app


def app_from_config() -> FastAPI:
    """The application for `serve` (uvicorn's factory): settings read once, here."""
    from searxng_cool.config import load_settings

    return create_app(load_settings())
