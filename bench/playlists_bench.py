"""Playlist speed bench: moves and bulk reorders at 100/1,000/10,000 tracks, and smart
playlists over 1M tracks (with EXPLAIN). Run on demand, never in the test suite.

It creates its own throwaway database on the server you name (a role that may CREATE
DATABASE), migrates it to head, generates bounded synthetic data server-side, and drops it
at the end:

    .venv/bin/python -m bench.playlists_bench

Figures are printed with ratios against a baseline measured in the same run: for edits,
a bare one-row UPDATE + COMMIT on the same playlist; for smart playlists, the bare
`ORDER BY popularity LIMIT` index read the rules compile down to at best.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import Connection, Engine, event, text

from bench.scratch import scratch_engine
from searxng_cool.playlists import editing, manage, smart
from searxng_cool.playlists.rule_sql import compile_rules
from searxng_cool.playlists.rules import parse_rules

SIZES = (100, 1_000, 10_000)
CATALOG_TRACKS = 1_000_000
SMART_RULES: dict[str, dict[str, Any]] = {
    "energetic 2000s, top 100 by popularity": {
        "all": [{"gt": {"energy": 0.8}}, {"inTheRange": {"year": [2000, 2009]}}],
        "sort": "popularity",
        "order": "desc",
        "limit": 100,
    },
    "genre is genre7, top 100 by popularity": {
        "all": [{"is": {"genre": "genre7"}}],
        "sort": "popularity",
        "order": "desc",
        "limit": 100,
    },
    "owner's liked + danceable, top 200": {
        "all": [{"is": {"liked": True}}, {"gt": {"danceability": 0.5}}],
        "sort": "popularity",
        "order": "desc",
        "limit": 200,
    },
    "owner's most played (playcount > 3)": {
        "all": [{"gt": {"playcount": 3}}],
        "sort": "playcount",
        "order": "desc",
        "limit": 50,
    },
    "worst case: title contains '777', sorted by title": {
        "all": [{"contains": {"title": "777"}}],
        "sort": "title",
        "limit": 100,
    },
    # Titles are 'Track <n>': 'ck 9' matches 11% of them ('the' matches 9.5% of real
    # titles); a pattern under 3 characters has no trigram to look up.
    "title contains 'ck 9' (11% of titles), sorted by title": {
        "all": [{"contains": {"title": "ck 9"}}],
        "sort": "title",
        "limit": 100,
    },
    "title contains '12' (too short for trigrams), sorted by title": {
        "all": [{"contains": {"title": "12"}}],
        "sort": "title",
        "limit": 100,
    },
    "title contains '777', top 100 by popularity": {
        "all": [{"contains": {"title": "777"}}],
        "sort": "popularity",
        "order": "desc",
        "limit": 100,
    },
    "artist contains '777' (50,000 artists), top 100 by popularity": {
        "all": [{"contains": {"artist": "777"}}],
        "sort": "popularity",
        "order": "desc",
        "limit": 100,
    },
    "album contains '777' (100,000 albums), sorted by title": {
        "all": [{"contains": {"album": "777"}}],
        "sort": "title",
        "limit": 100,
    },
}


def timed(action: Callable[[], object], repeat: int) -> float:
    """Median wall time in milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class StatementCounter:
    """Counts statements sent, to show an edit's round trips do not grow with its size."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1


def edit_bench(engine: Engine) -> None:
    print("\n== ordered editing (median ms, one transaction each, commit included) ==")
    with engine.begin() as conn:
        owner = conn.execute(
            text(
                "INSERT INTO users (username, email, password_hash) "
                "VALUES ('bench', 'bench@example.org', 'x') RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO tracks (title, duration_ms) "
                "SELECT 'Edit track ' || g, 180000 FROM generate_series(1, :n) g"
            ),
            {"n": max(SIZES)},
        )
        track_ids = list(conn.execute(text("SELECT id FROM tracks ORDER BY id")).scalars())
    counter = StatementCounter(engine)
    print(
        f"{'tracks':>7} {'baseline':>9} {'move 1 step':>16} {'move ends':>17} "
        f"{'reorder all':>17} {'stmts/move':>10}"
    )
    for n in SIZES:
        EditBench(engine, owner, track_ids[:n], counter).run()
    print("move 1 step rewrites 2 rows; move ends rewrites all n; reorder all rewrites ~n rows.")
    print("stmts/move: statements one move sends (lock, count+grants, UPDATE, version+log).")


class EditBench:
    """Times edits on one playlist of `len(track_ids)` tracks."""

    def __init__(
        self, engine: Engine, owner: int, track_ids: list[int], counter: StatementCounter
    ) -> None:
        self.engine, self.owner, self.n, self.counter = engine, owner, len(track_ids), counter
        self.rng = random.Random(7)
        with engine.begin() as connection:
            self.playlist_id = manage.create_playlist(
                connection, owner_id=owner, name=f"Bench {self.n}"
            )
            editing.add_tracks(
                connection, playlist_id=self.playlist_id, actor_id=owner, track_ids=track_ids
            )

    def _in_transaction(self, action: Callable[[Connection], object]) -> None:
        with self.engine.begin() as connection:
            action(connection)

    def _touch_one_row(self, connection: Connection) -> None:
        connection.execute(
            text(
                "UPDATE playlist_tracks SET added_at = now()"
                " WHERE playlist_id = :p AND position = 0"
            ),
            {"p": self.playlist_id},
        )

    def _move(self, src: int, dst: int) -> Callable[[], None]:
        return lambda: self._in_transaction(
            lambda s: editing.move_track(
                s,
                playlist_id=self.playlist_id,
                actor_id=self.owner,
                from_position=src,
                to_position=dst,
            )
        )

    def _reorder(self) -> None:
        order = list(range(self.n))
        self.rng.shuffle(order)
        self._in_transaction(
            lambda s: editing.reorder_tracks(
                s, playlist_id=self.playlist_id, actor_id=self.owner, new_order=order
            )
        )

    def run(self) -> None:
        n, mid = self.n, self.n // 2
        baseline = timed(lambda: self._in_transaction(self._touch_one_row), 30)
        near = timed(self._move(mid, mid + 1), 30)
        before = self.counter.count
        self._move(0, n - 1)()
        statements = self.counter.count - before
        ends = timed(self._move(0, n - 1), 15)
        reorder = timed(self._reorder, 5)
        print(
            f"{n:>7} {baseline:>8.2f}  {near:>7.2f} ({near / baseline:>4.1f}x) "
            f"{ends:>7.2f} ({ends / baseline:>5.1f}x) "
            f"{reorder:>7.2f} ({reorder / baseline:>5.1f}x) {statements:>10}"
        )


CATALOG_SQL = (
    """INSERT INTO artists (name, genres)
       SELECT 'Artist ' || g, jsonb_build_array('genre' || (g % 50), 'style' || (g % 7))
         FROM generate_series(1, 50000) g""",
    """INSERT INTO albums (title, artist_id, release_date)
       SELECT 'Album ' || g, 1 + g % 50000, DATE '1960-01-01' + (g * 7919 % 23000)
         FROM generate_series(1, 100000) g""",
    """INSERT INTO tracks (title, artist_id, album_id, duration_ms, popularity, audio_features)
       SELECT 'Track ' || g, 1 + g % 50000, 1 + g % 100000, 90000 + (g * 37 % 300000),
              CASE WHEN g % 20 = 0 THEN NULL ELSE random() * 100 END,
              jsonb_build_object('energy', random(), 'danceability', random(),
                                 'valence', random(), 'tempo', 60 + random() * 120)
         FROM generate_series(1, :n) g""",
    """INSERT INTO users (username, email, password_hash)
       VALUES ('listener', 'listener@example.org', 'x')""",
    """INSERT INTO user_interactions (user_id, track_id, interaction_type, created_at)
       SELECT u.id, first.id + (g * 104729 % 5000), 'play', now() - (g % 700) * interval '1 hour'
         FROM generate_series(1, 20000) g,
              (SELECT id FROM users WHERE username = 'listener') u,
              (SELECT id FROM tracks WHERE title = 'Track 1') first""",
    """INSERT INTO user_interactions (user_id, track_id, interaction_type, created_at)
       SELECT u.id, first.id + (g * 7 % 5000), 'like', now() - g * interval '1 minute'
         FROM generate_series(1, 1000) g,
              (SELECT id FROM users WHERE username = 'listener') u,
              (SELECT id FROM tracks WHERE title = 'Track 1') first""",
)


def load_catalog(engine: Engine) -> int:
    """1M tracks generated server-side; secondary indexes dropped during the load and
    rebuilt after (faster than maintaining them row by row), then ANALYZE."""
    started = time.perf_counter()
    with engine.begin() as conn:
        indexes = list(
            conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tracks'"
                    " AND indexname NOT LIKE 'pk_%' AND indexname NOT LIKE 'uq_%'"
                )
            )
        )
        for index in indexes:
            conn.exec_driver_sql(f"DROP INDEX {index.indexname}")
        for statement in CATALOG_SQL:
            conn.execute(text(statement), {"n": CATALOG_TRACKS})
        for index in indexes:
            conn.exec_driver_sql(index.indexdef)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
        owner = conn.execute(text("SELECT id FROM users WHERE username = 'listener'")).scalar_one()
    print(f"generated {CATALOG_TRACKS:,} tracks in {time.perf_counter() - started:.0f} s")
    return int(owner)


def smart_bench(engine: Engine, *, loaded: bool = False) -> None:
    print(f"\n== smart playlists over {CATALOG_TRACKS:,} tracks (median ms of 5, warm) ==")
    if loaded:
        with engine.connect() as conn:
            owner = conn.execute(
                text("SELECT id FROM users WHERE username = 'listener'")
            ).scalar_one()
    else:
        owner = load_catalog(engine)
    with engine.connect() as conn:
        bare = text("SELECT id FROM tracks ORDER BY popularity DESC NULLS LAST, id LIMIT 100")
        conn.execute(bare).all()
        baseline = timed(lambda: conn.execute(bare).all(), 5)
    print(f"baseline (bare ORDER BY popularity LIMIT 100): {baseline:.2f} ms")
    for label, rules in SMART_RULES.items():
        with engine.connect() as connection:
            found = smart.preview_rules(connection, rules=rules, owner_id=owner)
            took = timed(
                lambda r=rules: smart.preview_rules(connection, rules=r, owner_id=owner), 5
            )
            compiled = compile_rules(parse_rules(rules), owner_id=owner).compile(
                dialect=engine.dialect, compile_kwargs={"render_postcompile": True}
            )
            explain = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + str(compiled)
            # The driver gets the values as SQLAlchemy would send them: JSON for JSONB.
            params = {
                key: Jsonb(value) if isinstance(value, list | dict) else value
                for key, value in compiled.params.items()
            }
            plan = [row[0] for row in connection.exec_driver_sql(explain, params)]
        verdict = "OK" if took < 200 else "over 200 ms"
        print(
            f"\n-- {label}: {took:.1f} ms ({took / baseline:.1f}x baseline), {len(found)} tracks, {verdict}"
        )
        print(f"   rules: {json.dumps(rules)}")
        print("\n".join("   " + line for line in plan))
    with engine.begin() as connection:
        playlist_id = manage.create_playlist(
            connection,
            owner_id=owner,
            name="Energetic 2000s",
            dynamic_rules=next(iter(SMART_RULES.values())),
        )

    def refresh() -> None:
        with engine.begin() as connection:
            smart.refresh_smart_playlist(connection, playlist_id=playlist_id)

    took = timed(refresh, 5)
    print(f"\nrefresh of the first rule set as a playlist (delete + insert, commit): {took:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skip-smart", action="store_true", help="only the editing bench")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", metavar="DATABASE", help="rerun the smart part on a kept one")
    args = parser.parse_args()
    if args.reuse:
        with scratch_engine("playlists", reuse=args.reuse) as engine:
            smart_bench(engine, loaded=True)
        return
    with scratch_engine("playlists", keep=args.keep) as engine:
        edit_bench(engine)
        if not args.skip_smart:
            smart_bench(engine)


if __name__ == "__main__":
    main()
