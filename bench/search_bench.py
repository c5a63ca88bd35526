"""Search speed at scale, as ratios against a bare GIN tsvector query in the same run.

    .venv/bin/python -m bench.search_bench [--tracks 1000000] [--keep | --reuse DATABASE]

Creates (or reuses, with --reuse) a database at URL's server, migrates it, generates the
catalog with bench/search_data.py (the search triggers index it), then times, per query
and interleaved so both see the same cache: the bare query (`document @@ tsquery LIMIT
20`, unranked, over the same index and the same tsquery) and the full search (ranked
tiers, bounded pools, names for display). Also reports the typo fallback's p95, and what
the search triggers add to a bulk insert of tracks (rolled back).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import search_data
from bench.scratch import scratch_engine
from searxng_cool.catalog.search import search

# The baseline: one GIN lookup for the same tsquery (made before timing), unranked, on a
# connection that may not fall back to a sequential scan.
BARE = "SELECT entity_id FROM search_entries WHERE document @@ CAST(:tsquery AS tsquery) LIMIT 20"
TSQUERY = "SELECT coalesce(search_tsquery(search_words_of(:q), :prefix)::text, '')"


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def sample_queries(conn: Connection, count: int) -> dict[str, list[str]]:
    """Queries drawn from the data: names and title words, skewed like real traffic."""
    rng = random.Random(7)
    titles = list(
        conn.execute(text("SELECT title FROM tracks TABLESAMPLE SYSTEM (1) LIMIT 3000")).scalars()
    )
    artists = list(conn.execute(text("SELECT name FROM artists ORDER BY id LIMIT 2000")).scalars())
    words = sorted({w for title in titles for w in title.lower().split() if len(w) > 3})
    full = [rng.choice(titles) for _ in range(count // 3)]
    full += [rng.choice(artists[:50] if rng.random() < 0.6 else artists) for _ in range(count // 3)]
    full += [rng.choice(search_data.COMMON_WORDS[:12]) for _ in range(count - len(full))]
    typeahead = [q[: max(2, len(q) - rng.randint(1, 4))] for q in full]
    typos = [
        _typo(rng, rng.choice(words + [a.lower() for a in artists[:50]])) for _ in range(count // 3)
    ]
    return {"search": full, "type-ahead": typeahead, "typo": typos}


def _typo(rng: random.Random, word: str) -> str:
    at = rng.randrange(1, len(word) - 1)
    return word[:at] + word[at + 1 :] if rng.random() < 0.5 else word[:at] + "x" + word[at + 1 :]


def measure(conn: Connection, bare_conn: Connection, queries: dict[str, list[str]]) -> None:
    bare_conn.exec_driver_sql("SET enable_seqscan = off")

    def tsquery(q: str, prefix: bool) -> str:
        return str(bare_conn.execute(text(TSQUERY), {"q": q, "prefix": prefix}).scalar())

    for q in queries["search"][:30]:  # warm the caches and the plan cache
        search(conn, query=q)
        bare_conn.execute(text(BARE), {"tsquery": tsquery(q, False)}).all()
    print(f"{'kind':<11} {'n':>4} {'bare p50':>9} {'bare p95':>9} {'search p50':>11} "
          f"{'search p95':>11} {'p95 ratio':>10}")  # fmt: skip
    for kind, prefix in (("search", False), ("type-ahead", True), ("typo", False)):
        bare, full = [], []
        for q in queries[kind]:
            made = {"tsquery": tsquery(q, prefix)}
            bare.append(timed(lambda made=made: bare_conn.execute(text(BARE), made).all()))
            full.append(timed(lambda q=q: search(conn, query=q)))
        print(f"{kind:<11} {len(full):>4} {statistics.median(bare):>8.2f}ms {p95(bare):>8.2f}ms "
              f"{statistics.median(full):>10.2f}ms {p95(full):>10.2f}ms "
              f"{p95(full) / p95(bare):>9.2f}x")  # fmt: skip


def trigger_overhead(conn: Connection, rows: int) -> None:
    """A bulk insert of tracks with and without the search triggers, both rolled back."""
    first_album = conn.execute(text("SELECT min(id) FROM albums")).scalar_one()
    albums = conn.execute(text("SELECT count(*) FROM albums")).scalar_one()
    params = {**search_data._params(), "albums": albums, "first_album": first_album, "count": rows}
    costs = {}
    for label, toggle in (("without", "DISABLE"), ("with", "ENABLE")):
        conn.execute(text(f"ALTER TABLE tracks {toggle} TRIGGER tracks_search_inserted"))
        costs[label] = timed(
            lambda: conn.execute(text(search_data._sql(search_data.TRACKS_SQL)), params)
        )
        conn.rollback()
    print(f"insert {rows:,} tracks: {costs['without']:.0f} ms without search triggers, "
          f"{costs['with']:.0f} ms with ({costs['with'] / costs['without']:.2f}x)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure again on a kept one")
    args = parser.parse_args()
    with scratch_engine("search", keep=args.keep, reuse=args.reuse) as engine:
        if not args.reuse:
            with engine.connect() as conn:  # generate() commits per batch
                started = time.perf_counter()
                search_data.generate(conn, tracks=args.tracks)
                print(f"generated in {time.perf_counter() - started:.0f} s")
        measure_all(engine, args.queries)


def measure_all(engine: Engine, queries: int) -> None:
    # What autovacuum would have done by now: GIN pending lists merged, statistics fresh.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    with engine.connect() as conn:
        counts = conn.execute(text("SELECT kind, count(*) FROM search_entries GROUP BY kind")).all()
        words = conn.execute(text("SELECT count(*) FROM search_words")).scalar()
        variants = conn.execute(text("SELECT count(*) FROM search_word_variants")).scalar()
        size = conn.execute(
            text("SELECT pg_size_pretty(pg_total_relation_size('search_word_variants'))")
        ).scalar()
        print("entries:", dict(counts), "distinct words:", words)
        print(f"typo lexicon: {words} words, {variants} deletion variants ({size})")
        with engine.connect() as bare_conn:
            measure(conn, bare_conn, sample_queries(conn, queries))
        trigger_overhead(conn, 50_000)


if __name__ == "__main__":
    main()
