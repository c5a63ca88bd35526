"""Can we reach the configured database?"""

from __future__ import annotations

import sys

from sqlalchemy import pool, text
from sqlalchemy.exc import SQLAlchemyError

from searxng_cool.config import DatabaseConfig, redact
from searxng_cool.db.engine import make_engine
from searxng_cool.errors import SearxngCoolError


def test_connection(config: DatabaseConfig) -> bool:
    """True when `SELECT 1` succeeds; otherwise False, with the reason on stderr."""
    try:
        engine = make_engine(config, poolclass=pool.NullPool)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except (SQLAlchemyError, SearxngCoolError) as exc:
        print(f"connection failed: {redact(str(exc)).splitlines()[0]}", file=sys.stderr)
        return False
    return True
