"""The benchmarks' database: a throwaway one at head, on the one server every bench uses.

That server is DATABASE_URL's (its role needs CREATEDB), or else the embedded cluster,
started on demand; run every bench from the repository root as `python -m bench.NAME`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, pool

from searxng_cool.admin.scratch import configured_server, throwaway_database


@contextmanager
def scratch_engine(
    prefix: str, *, keep: bool = False, reuse: str | None = None
) -> Iterator[Engine]:
    """An engine on a new database at head (dropped afterwards unless `keep`), or on the
    kept database named `reuse`."""
    server = configured_server()
    if reuse:
        engine = create_engine(server.set(database=reuse), poolclass=pool.NullPool)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    with throwaway_database(server, prefix=f"bench_{prefix}", keep=keep) as url:
        engine = create_engine(url, poolclass=pool.NullPool)
        try:
            yield engine
        finally:
            engine.dispose()
            if keep:
                print(f"\nkept database {url.database} (reuse it with --reuse {url.database})")
