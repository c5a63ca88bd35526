"""Typo tolerance: recall@5 of a generated typo test set over the catalog of the public data.

Ingests ../shared/data into a throwaway database (as bench/ingest_quality.py does), then
draws --queries names from the catalog (popular artists and track titles, seeded) and puts
exactly one typo in each: a deletion, an insertion, a substitution or an adjacent
transposition in one word of 4+ letters, or a word split in two or two words joined. A
query counts as found when the top 5 results hold the entity or another of the same type
with the same name (the query names no artist: any "Forever" is a right answer to
"forevr"). Prints recall@5 per kind of typo and
overall (target >= 0.97), the misses with --show, and the search latency of the run.

Run: python -m bench.typo_recall [--queries 600] [--seed 5] [--show] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import Connection, create_engine, pool, text

from bench.ingest_quality import ingest_all
from bench.scratch import scratch_engine
from searxng_cool.catalog.search import search

KINDS = ("deletion", "insertion", "substitution", "transposition", "split", "join")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
TARGET = 0.97
_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z' ]{2,40}")


def targets(conn: Connection) -> list[tuple[str, int, str, str | None]]:
    """(type, id, name, artist) of popular artists and tracks with plain Latin names."""
    rows = conn.execute(
        text(
            """
            SELECT 'artist', a.id, a.name, NULL FROM artists a
             WHERE EXISTS (SELECT 1 FROM tracks t WHERE t.artist_id = a.id AND t.popularity >= 40)
            UNION ALL
            SELECT 'track', t.id, t.title, a.name FROM tracks t JOIN artists a ON a.id = t.artist_id
             WHERE t.popularity >= 50 AND t.version_key = '' AND t.title NOT LIKE '%(%'
             ORDER BY 1, 2
            """
        )
    ).all()
    return [
        (kind, int(entity), name, artist)
        for kind, entity, name, artist in rows
        if _PLAIN_NAME.fullmatch(name) and len(name.split()) <= 4
    ]


def misspell(name: str, kind: str, rng: random.Random) -> str | None:
    """`name` with one typo of `kind`, or None when the name has no room for it."""
    words = name.lower().split()
    if kind == "join":
        if len(words) < 2:
            return None
        i = rng.randrange(len(words) - 1)
        return " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]])
    long_words = [i for i, w in enumerate(words) if len(w) >= (6 if kind == "split" else 4)]
    if not long_words:
        return None
    i = rng.choice(long_words)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    if kind == "deletion":
        changed = word[:at] + word[at + 1 :]
    elif kind == "insertion":
        changed = word[:at] + rng.choice(LETTERS) + word[at:]
    elif kind == "substitution":
        changed = word[:at] + rng.choice(LETTERS.replace(word[at], "")) + word[at + 1 :]
    elif kind == "transposition":
        if word[at] == word[at + 1] if at + 1 < len(word) else True:
            return None
        changed = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    else:  # split
        at = rng.randrange(3, len(word) - 2)
        changed = word[:at] + " " + word[at:]
    if changed == word:
        return None
    return " ".join([*words[:i], changed, *words[i + 1 :]])


def queries(
    pool: list[tuple[str, int, str, str | None]], count: int, seed: int
) -> list[tuple[str, str, tuple[str, int, str, str | None]]]:
    rng = random.Random(seed)
    drawn: list[tuple[str, str, tuple[str, int, str, str | None]]] = []
    while len(drawn) < count:
        target = rng.choice(pool)
        kind = KINDS[len(drawn) % len(KINDS)]
        query = misspell(target[2], kind, rng)
        if query is not None:
            drawn.append((kind, query, target))
    return drawn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--show", action="store_true")
    parser.add_argument(
        "--database-url", help="a database already holding the ingested files (no ingest)"
    )
    args = parser.parse_args()
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    latencies: list[float] = []
    with ExitStack() as stack:
        if args.database_url:
            engine = create_engine(args.database_url, poolclass=pool.NullPool)
        else:
            engine = stack.enter_context(scratch_engine("typos"))
            ingest_all(engine, Path(stack.enter_context(tempfile.TemporaryDirectory())))
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
            for kind, query, (type_, entity, name, artist) in queries(
                targets(conn), args.queries, args.seed
            ):
                started = time.perf_counter()
                results = search(conn, query=query, limit=5).results
                latencies.append((time.perf_counter() - started) * 1000)
                conn.rollback()
                # The query names no artist: any entity of the type with the name is right.
                hit = any(
                    r.type == type_ and (r.id == entity or r.name.casefold() == name.casefold())
                    for r in results
                )
                for key in (kind, "all"):
                    found[key][0] += hit
                    found[key][1] += 1
                if not hit and args.show:
                    print(f"  miss {kind:13} {query!r} -> {type_} {name!r} ({artist})")
    for key in (*KINDS, "all"):
        hits, total = found[key]
        print(f"{key:14} {total:4} queries  recall@5 {hits / max(total, 1):.3f}")
    met = found["all"][0] / max(found["all"][1], 1) >= TARGET
    print(
        f"search latency: p50 {statistics.median(latencies):.1f} ms,"
        f" p95 {statistics.quantiles(latencies, n=20)[-1]:.1f} ms"
        f"   target recall@5 >= {TARGET}: {'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
