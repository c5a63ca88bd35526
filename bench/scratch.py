"""A throwaway database at head on the server DATABASE_URL names, for the benchmarks."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, pool
from sqlalchemy.engine import make_url

from searxng_cool.admin import migrations


@contextmanager
def scratch_engine(prefix: str) -> Iterator[Engine]:
    configured = os.environ.get("DATABASE_URL")
    if not configured:
        raise SystemExit("set DATABASE_URL to a server where this role may CREATE DATABASE")
    server = make_url(configured).set(drivername="postgresql+psycopg")
    name = f"bench_{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine = create_engine(server.set(database=name), poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            migrations.upgrade(conn, "head")
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
