"""`GET /metrics` in Prometheus' text format (prometheus-client), for loopback callers only.

What it exposes (every name is in METRIC_NAMES; deploy/grafana and deploy/prometheus use
only these, and a test checks it):
- HTTP requests and latency by route template, method and status;
- the connection pool: in use, waiting, size;
- reads by target (primary, replica, fallback) and each replica's lag as last probed;
- the Redis cache: hits, misses, errors;
- each `status` check as a gauge (0 ok, 1 warning, 2 critical), refreshed at most once a
  minute; rows inserted into listens and into the catalog (PostgreSQL's own counters);
- rate-limit rejections (HTTP 429).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from searxng_cool.admin.health_checks import Level
from searxng_cool.admin.status import collect_status, rows_inserted
from searxng_cool.config import Settings
from searxng_cool.db.routing import ReadRoute, ReadRouter

STATUS_REFRESH_SECONDS = 60.0
METRIC_NAMES = frozenset(
    {
        "searxng_http_requests_total",
        "searxng_http_request_duration_seconds",
        "searxng_db_pool_in_use",
        "searxng_db_pool_waiting",
        "searxng_db_pool_size",
        "searxng_db_reads_total",
        "searxng_replica_lag_seconds",
        "searxng_replica_up",
        "searxng_cache_hits_total",
        "searxng_cache_misses_total",
        "searxng_cache_errors_total",
        "searxng_status_check",
        "searxng_listens_inserted_total",
        "searxng_catalog_rows_inserted_total",
        "searxng_rate_limit_rejections_total",
        "searxng_up",
    }
)
# Histogram series carry suffixes; dashboards and alerts may use these.
SERIES_SUFFIXES = ("_bucket", "_count", "_sum", "_created")

router = APIRouter(include_in_schema=False)


class Metrics:
    """One registry per application (tests run several apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "searxng_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "searxng_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method.",
            ["route", "method"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.reads = Counter(
            "searxng_db_reads",
            "Read transactions by where they went: primary, replica or fallback.",
            ["target"],
            registry=self.registry,
        )
        self.rejections = Counter(
            "searxng_rate_limit_rejections",
            "Requests refused by the rate limiter (HTTP 429).",
            registry=self.registry,
        )

    def observe_read(self, route: ReadRoute) -> None:
        self.reads.labels(route.target).inc()


class StateCollector(Collector):
    """Pool, replicas, cache counters and status checks, read when scraped."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self._lock = threading.Lock()
        self._status: list[tuple[str, int]] = []
        self._inserted: tuple[int, int] | None = None
        self._refreshed = float("-inf")

    def collect(self) -> Iterator[Any]:
        yield GaugeMetricFamily("searxng_up", "1 while the API answers.", value=1)
        engine: Engine | None = getattr(self.state, "engine", None)
        if engine is not None:
            yield from self._pool(engine)
        routing: ReadRouter | None = getattr(self.state, "router", None)
        if routing is not None:
            lag = GaugeMetricFamily(
                "searxng_replica_lag_seconds",
                "Replay lag of each replica when the router last probed it.",
                labels=["replica"],
            )
            up = GaugeMetricFamily(
                "searxng_replica_up",
                "1 unless the router marked the replica down.",
                labels=["replica"],
            )
            now = routing.clock()
            for replica in routing.replicas:
                seconds = replica.lag_seconds if replica.lag_seconds != float("inf") else -1.0
                lag.add_metric([replica.name], seconds)
                up.add_metric([replica.name], 0.0 if replica.down_until > now else 1.0)
            yield lag
            yield up
        cache = getattr(self.state, "cache", None)
        if cache is not None:
            counters = cache.counters
            for name, value in (
                ("hits", counters.hits),
                ("misses", counters.misses),
                ("errors", counters.errors),
            ):
                yield CounterMetricFamily(
                    f"searxng_cache_{name}", f"Redis read cache {name}.", value=value
                )
        if engine is not None:
            self._refresh(engine)
            checks = GaugeMetricFamily(
                "searxng_status_check",
                "Each `status` check: 0 ok, 1 warning, 2 critical.",
                labels=["check"],
            )
            for name, value in self._status:
                checks.add_metric([name], value)
            yield checks
            if self._inserted is not None:
                listens, catalog = self._inserted
                yield CounterMetricFamily(
                    "searxng_listens_inserted",
                    "Rows inserted into user_interactions (PostgreSQL's statistics).",
                    value=listens,
                )
                yield CounterMetricFamily(
                    "searxng_catalog_rows_inserted",
                    "Rows inserted into tracks and track_sources (PostgreSQL's statistics).",
                    value=catalog,
                )

    def _pool(self, engine: Engine) -> Iterable[Any]:
        pool: Any = engine.pool
        in_use = pool.checkedout() if hasattr(pool, "checkedout") else 0
        size = pool.size() if hasattr(pool, "size") else 0
        queue = getattr(pool, "_pool", None)
        waiting = len(getattr(getattr(queue, "not_empty", None), "_waiters", ()) or ())
        yield GaugeMetricFamily("searxng_db_pool_in_use", "Connections checked out.", value=in_use)
        yield GaugeMetricFamily(
            "searxng_db_pool_waiting", "Threads waiting for a connection.", value=waiting
        )
        yield GaugeMetricFamily("searxng_db_pool_size", "The pool's size.", value=size)

    def _refresh(self, engine: Engine) -> None:
        with self._lock:
            if time.monotonic() - self._refreshed < STATUS_REFRESH_SECONDS:
                return
            self._refreshed = time.monotonic()
            settings: Settings = self.state.settings
            try:
                with engine.begin() as connection:
                    report = collect_status(
                        connection,
                        ops=settings.operations,
                        pool_size=int(settings.database.engine_options.get("pool_size", 20)),
                        record_sample=False,
                    )
                    inserted = rows_inserted(connection)
            except Exception:  # the database is down: the checks say so
                self._status = [("database reachable", 2)]
                return
            worst: dict[str, int] = {}
            for check in report.checks:
                value = {Level.WARNING: 1, Level.CRITICAL: 2}.get(check.level, 0)
                worst[check.name] = max(worst.get(check.name, 0), value)
            self._status = sorted(worst.items())
            self._inserted = inserted


def install(app: Any) -> Metrics:
    metrics = Metrics()
    metrics.registry.register(StateCollector(app.state))
    app.state.metrics = metrics
    app.include_router(router)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return metrics


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.get("/metrics")
def metrics_endpoint(request: Request) -> Response:
    client = request.client.host if request.client else None
    if not _is_loopback(client):
        return Response("metrics are served to loopback clients only\n", status_code=403)
    metrics: Metrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (outermost middleware)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            self.metrics.requests.labels(template, method, str(status)).inc()
            self.metrics.latency.labels(template, method).observe(time.perf_counter() - started)
            if status == 429:
                self.metrics.rejections.inc()
