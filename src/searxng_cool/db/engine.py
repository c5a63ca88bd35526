"""The engine from the validated configuration.

A URL naming no host means the embedded cluster: it is started on demand here, and the
URL is pointed at its socket. Every other URL is used as given.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL

from searxng_cool.config import DatabaseConfig, Settings, load_settings
from searxng_cool.db.embedded import SOCKET_PORT, EmbeddedCluster, default_data_dir


def embedded_cluster(config: DatabaseConfig) -> EmbeddedCluster:
    return EmbeddedCluster(config.embedded_data_dir or default_data_dir(), config.pg_bindir)


def resolve_url(config: DatabaseConfig, *, start: bool = True) -> URL:
    """The URL to connect to; for the embedded cluster, start it (if asked) and use its socket."""
    if not config.is_embedded:
        return config.url
    cluster = embedded_cluster(config)
    if start:
        cluster.ensure_running()
    return config.url.update_query_dict({"host": str(cluster.socket_dir), "port": str(SOCKET_PORT)})


def make_engine(config: DatabaseConfig, url: URL | None = None, **overrides: Any) -> Engine:
    """An engine with the spec's pool settings (overridable per call, e.g. NullPool for tools)."""
    options = dict(config.engine_options)
    options.update(overrides)
    if "poolclass" in overrides:
        for pool_only in ("pool_size", "max_overflow", "pool_recycle"):
            options.pop(pool_only, None)
    return create_engine(url or resolve_url(config), **options)


def open_engine(settings: Settings | None = None) -> Engine:
    """The engine an application uses: the configured database (DATABASE_URL, or the
    embedded cluster, started on demand) with the spec's pool settings."""
    return make_engine((settings or load_settings()).database)
