"""The read router of a configuration: the primary engine and one engine per replica.

Replicas are the URLs of DATABASE.READ_REPLICAS (and DATABASE_READ_REPLICAS) and, for the
embedded cluster, every replica made by `replicas add`, reached with the primary URL's user
and database on the replica's own socket.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL

from searxng_cool.config import DatabaseConfig
from searxng_cool.db.embedded import SOCKET_PORT
from searxng_cool.db.engine import embedded_cluster
from searxng_cool.db.replicas import embedded_replicas
from searxng_cool.db.routing import ReadRouter, Replica

# Replica pools are smaller than the primary's and skip the pre-ping: the router probes
# replicas itself and falls back to the primary when one does not answer.
REPLICA_POOL_SIZE = 10


def replica_urls(config: DatabaseConfig) -> list[tuple[str, URL]]:
    """(name, URL) of every read replica of this configuration."""
    found: list[tuple[str, URL]] = []
    if config.is_embedded:
        cluster = embedded_cluster(config)
        for replica in embedded_replicas(cluster):
            url = config.url.update_query_dict(
                {"host": str(replica.cluster.socket_dir), "port": str(SOCKET_PORT)}
            )
            found.append((replica.name, url))
    for url in config.read_replicas:
        found.append((url.host or str(url.query.get("host", "replica")), url))
    return found


def replica_engine(config: DatabaseConfig, url: URL) -> Engine:
    connect_args = dict(config.engine_options.get("connect_args", {}))
    connect_args["connect_timeout"] = min(int(connect_args.get("connect_timeout", 2)), 2)
    return create_engine(
        url,
        pool_size=REPLICA_POOL_SIZE,
        max_overflow=0,
        pool_recycle=int(config.engine_options.get("pool_recycle", 3600)),
        pool_pre_ping=False,
        connect_args=connect_args,
    )


def make_router(config: DatabaseConfig, primary: Engine) -> ReadRouter:
    replicas = [Replica(name, replica_engine(config, url)) for name, url in replica_urls(config)]
    return ReadRouter(primary, replicas, max_lag_seconds=config.read_max_lag_seconds)
