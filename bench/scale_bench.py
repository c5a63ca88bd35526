"""Scale-out figures, each against a baseline measured in the same run.

    .venv/bin/python -m bench.scale_bench [--reads 2000] [--listens 1000000] [--clients 200]

On a primary and a streaming replica of its own (temporary directories, PostgreSQL's
defaults plus max_connections=100):
1. Routing overhead: read p95 through the read router to the replica against a direct
   connection to the replica, interleaved, for a point read and a 20-row page read.
2. Replica lag while LISTENS listen rows are imported on the primary in 50,000-row
   transactions (an indexed table shaped like user_interactions): p95 and max of
   pg_stat_replication.replay_lag, sampled every 50 ms, in ms (and bytes behind).
3. CLIENTS concurrent clients, each holding its connection for 5 transactions of 0.4 s: connection errors
   directly against the primary (max_connections=100) and through pgbouncer in
   transaction mode (pool 20).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, pool, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from searxng_cool.admin.pooler import Pooler
from searxng_cool.db.embedded import EmbeddedCluster, running_as_root
from searxng_cool.db.replicas import add_replica
from searxng_cool.db.routing import ReadRouter, Replica

SETTINGS = {"max_connections": "100", "shared_buffers": "128MB"}
POINT = "SELECT id, user_id, track_id, created_at FROM bench_listens WHERE id = :id"
PAGE = (
    "SELECT id, track_id, created_at FROM bench_listens WHERE user_id = :u"
    " ORDER BY created_at DESC LIMIT 20"
)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def load(engine: Engine, rows: int, batch: int = 50_000) -> None:
    done = 0
    while done < rows:
        size = min(batch, rows - done)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO bench_listens (user_id, track_id, created_at)"
                    " SELECT (random() * 5000)::int, (random() * 200000)::int,"
                    " now() - random() * interval '365 days' FROM generate_series(1, :n)"
                ),
                {"n": size},
            )
        done += size


def routing_overhead(primary: Engine, replica_engine: Engine, reads: int) -> None:
    router = ReadRouter(primary, [Replica("r1", replica_engine)], max_lag_seconds=5)
    rng = random.Random(5)
    for name, sql, param in (("point read", POINT, "id"), ("page read", PAGE, "u")):
        direct: list[float] = []
        routed: list[float] = []
        top = 200_000 if param == "id" else 5000
        for n in range(reads + 100):
            value = {param: rng.randint(1, top)}

            def via_direct(sql: str = sql, value: dict[str, int] = value) -> None:
                with replica_engine.connect() as c, c.begin():
                    c.execute(text(sql), value).all()

            def via_router(sql: str = sql, value: dict[str, int] = value) -> None:
                with router.read() as result:
                    result.connection.execute(text(sql), value).all()

            first, second = (via_direct, via_router) if n % 2 else (via_router, via_direct)
            a, b = timed(first), timed(second)
            if n < 100:
                continue  # warm-up
            d, r = (a, b) if n % 2 else (b, a)
            direct.append(d)
            routed.append(r)
        print(
            f"{name}: direct to replica p95 {p95(direct):.3f} ms, through the router"
            f" p95 {p95(routed):.3f} ms, ratio {p95(routed) / p95(direct):.3f} (target <= 1.1)"
        )


def lag_during_import(primary: Engine, listens: int) -> None:
    samples: list[tuple[float, int]] = []
    stop = threading.Event()

    def sample() -> None:
        with primary.connect() as connection:
            while not stop.is_set():
                row = connection.execute(
                    text(
                        "SELECT coalesce(extract(epoch FROM replay_lag) * 1000, 0),"
                        " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint"
                        " FROM pg_stat_replication"
                    )
                ).first()
                connection.rollback()
                if row is not None:
                    samples.append((float(row[0]), int(row[1])))
                stop.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    load(primary, listens)
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    lags = [s[0] for s in samples]
    behind = [s[1] for s in samples]
    print(
        f"import of {listens} listens in {seconds:.1f} s ({listens / seconds:,.0f}/s):"
        f" replica lag p95 {p95(lags):.0f} ms, max {max(lags):.0f} ms;"
        f" bytes behind p95 {p95([float(b) for b in behind]):,.0f}, max {max(behind):,}"
    )


def clients(url_engine: Callable[[], Engine], label: str, count: int) -> None:
    engine = url_engine()
    errors: list[str] = []
    done = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(count)

    def client() -> None:
        barrier.wait()
        try:
            with engine.connect() as connection:
                for _ in range(5):
                    connection.execute(text("SELECT pg_sleep(0.4)"))
                    connection.commit()
                    with lock:
                        done[0] += 1
        except Exception as exc:  # counted: the figure is how many clients failed
            with lock:
                errors.append(type(exc).__name__)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    engine.dispose()
    print(
        f"{count} concurrent clients {label}: {len(errors)} connection error(s),"
        f" {done[0]} transactions in {seconds:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--listens", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--only-clients", action="store_true", help="skip parts 1 and 2")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="sxc-bench-", dir="/tmp"))
    if running_as_root():
        base.chmod(0o755)
    primary_cluster = EmbeddedCluster(base / "pgdata", settings=SETTINGS)
    pooler = Pooler(primary_cluster)
    try:
        primary_cluster.ensure_running()
        primary = create_engine(primary_cluster.url(), pool_size=4)
        with primary.begin() as connection:
            connection.exec_driver_sql(
                "CREATE TABLE bench_listens (id bigserial PRIMARY KEY, user_id int NOT NULL,"
                " track_id int NOT NULL, created_at timestamptz NOT NULL)"
            )
            connection.exec_driver_sql("CREATE INDEX ON bench_listens (user_id, created_at DESC)")
        if not args.only_clients:
            load(primary, 200_000)
            replica = add_replica(primary_cluster, name="bench")
            replica_engine = create_engine(replica.cluster.url(), pool_size=4)
            time.sleep(1)
            routing_overhead(primary, replica_engine, args.reads)
            lag_during_import(primary, args.listens)
            replica_engine.dispose()
        primary.dispose()
        clients(
            lambda: create_engine(
                primary_cluster.url(), poolclass=pool.NullPool, connect_args={"connect_timeout": 10}
            ),
            "directly (max_connections=100)",
            args.clients,
        )
        pooler.start(pool_size=20)
        clients(
            lambda: create_engine(
                pooler.url(user="postgres", database="postgres"),
                poolclass=pool.NullPool,
                connect_args={"prepare_threshold": None, "connect_timeout": 10},
            ),
            "through pgbouncer (transaction mode, pool 20)",
            args.clients,
        )
    finally:
        pooler.stop()
        from searxng_cool.db.replicas import embedded_replicas

        for made in embedded_replicas(primary_cluster):
            made.cluster.destroy()
        primary_cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
