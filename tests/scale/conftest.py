"""Own PostgreSQL clusters for the scale-out tests, in temporary directories.

The shared test cluster is never touched: the session starts one primary of its own (with a
migrated database) and one replica when a test needs them, and deletes both at the end.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, pool
from sqlalchemy.engine import URL

from searxng_cool.admin import migrations
from searxng_cool.db.embedded import EmbeddedCluster, running_as_root
from searxng_cool.db.replicas import EmbeddedReplica, add_replica

# Quick to start, cheap to commit; replication itself is unaffected.
SCALE_CLUSTER_SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "max_connections": "60",
    "shared_buffers": "32MB",
    "max_wal_size": "256MB",
}
DATABASE = "searxng_cool_music"


def scratch_dir(prefix: str) -> Path:
    """A short directory under /tmp (socket paths are limited) the postgres user can enter."""
    made = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    if running_as_root():
        made.chmod(0o755)
    return made


@dataclass
class Replicated:
    primary: EmbeddedCluster
    replica: EmbeddedReplica
    primary_url: URL
    replica_url: URL

    def engine(self, url: URL) -> Engine:
        return create_engine(url, poolclass=pool.NullPool)


@pytest.fixture(scope="session")
def primary() -> Iterator[EmbeddedCluster]:
    base = scratch_dir("sxc-scale-")
    cluster = EmbeddedCluster(base / "pgdata", settings=SCALE_CLUSTER_SETTINGS)
    try:
        cluster.ensure_running()
        admin = create_engine(cluster.url(), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
        admin.dispose()
        migrated = create_engine(cluster.url(database=DATABASE), poolclass=pool.NullPool)
        with migrated.begin() as connection:
            migrations.upgrade(connection, revision="head")
        migrated.dispose()
        yield cluster
    finally:
        from searxng_cool.db.replicas import embedded_replicas

        for replica in embedded_replicas(cluster):
            replica.cluster.destroy()
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def replicated(primary: EmbeddedCluster) -> Replicated:
    replica = add_replica(primary, name="r1")
    return Replicated(
        primary=primary,
        replica=replica,
        primary_url=primary.url(database=DATABASE),
        replica_url=replica.cluster.url(database=DATABASE),
    )
