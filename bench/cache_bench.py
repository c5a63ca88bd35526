"""The Redis read cache: search p95 on a hit against the uncached p95, same queries, same run.

    .venv/bin/python -m bench.cache_bench [--tracks 200000] [--queries 300] [--requests 3000]

Generates a catalog (bench/search_data.py) in a throwaway database, starts Debian's
redis-server on a Unix socket in a temporary directory, and times the API's search path
below HTTP: `ReadCache.get_or_compute` around the search service, exactly as the route
calls it (catalog version read, Redis GET, decode; or the search and a SET). Per query,
interleaved: the uncached search, then a hit of the same query. Then a Zipf mix (s=1.1)
of REQUESTS searches over the queries on an empty cache gives the hit ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import search_data
from bench.scratch import scratch_engine
from searxng_cool.admin.redis_server import RedisServer
from searxng_cool.cache import ReadCache, redis_client
from searxng_cool.catalog.search import search
from searxng_cool.config import CacheConfig


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def encode(page: object) -> bytes:
    results = [r.__dict__ for r in page.results]  # type: ignore[attr-defined]
    return json.dumps(results, default=str).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    redis_dir = Path(tempfile.mkdtemp(prefix="sxc-redis-", dir="/tmp"))
    server = RedisServer(redis_dir)
    server.start()
    try:
        with scratch_engine("cache") as engine:
            with engine.connect() as conn:
                search_data.generate(conn, tracks=args.tracks, progress=lambda _: None)
            with engine.connect() as conn:
                titles = list(
                    conn.execute(text("SELECT title FROM tracks ORDER BY random() LIMIT :n"),
                                 {"n": args.queries}).scalars()
                )  # fmt: skip
                conn.rollback()
            rng = random.Random(11)
            queries = [t.split()[0] if rng.random() < 0.5 else t for t in titles]
            cache = ReadCache(redis_client(CacheConfig(redis_url=server.url, timeout_ms=50)))
            uncached: list[float] = []
            hits: list[float] = []
            with engine.connect() as conn:
                for q in queries[:20]:  # warm the database's caches
                    search(conn, query=q)
                for n, q in enumerate(queries):

                    def compute(q: str = q) -> object:
                        return search(conn, query=q)

                    started = time.perf_counter()
                    compute()
                    uncached.append((time.perf_counter() - started) * 1000)
                    key = f"/api/v1/search?q={q}#{n}"
                    cache.get_or_compute(conn, namespace="search", request_key=key,
                                         compute=compute, encode=encode, decode=json.loads)  # fmt: skip
                    started = time.perf_counter()
                    cache.get_or_compute(conn, namespace="search", request_key=key,
                                         compute=compute, encode=encode, decode=json.loads)  # fmt: skip
                    hits.append((time.perf_counter() - started) * 1000)
                    conn.rollback()
                print(f"{len(queries)} queries over {args.tracks} tracks")
                print(f"uncached search: p50 {statistics.median(uncached):.2f} ms,"
                      f" p95 {p95(uncached):.2f} ms")  # fmt: skip
                print(f"cache hit:       p50 {statistics.median(hits):.2f} ms,"
                      f" p95 {p95(hits):.2f} ms")  # fmt: skip
                ratio = p95(hits) / p95(uncached)
                print(f"hit p95 / uncached p95 = {ratio:.3f} (target <= 0.2)")
                zipf = ReadCache(redis_client(CacheConfig(redis_url=server.url, timeout_ms=50)))
                redis_client(CacheConfig(redis_url=server.url)).flushall()
                weights = [1 / (rank**1.1) for rank in range(1, len(queries) + 1)]
                mix = rng.choices(queries, weights=weights, k=args.requests)
                for q in mix:
                    zipf.get_or_compute(conn, namespace="search", request_key=q,
                                        compute=lambda q=q: search(conn, query=q),
                                        encode=encode, decode=json.loads)  # fmt: skip
                    conn.rollback()
                counters = zipf.counters
                print(f"Zipf(1.1) mix of {args.requests} requests over {len(queries)} queries:"
                      f" hit ratio {counters.hits / (counters.hits + counters.misses):.3f}")  # fmt: skip
    finally:
        server.stop()
        shutil.rmtree(redis_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
