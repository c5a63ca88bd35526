"""Speed of discovery at scale, as ratios against baselines measured in the same run.

Generates (bounded, seeded, set-based SQL) `--tracks` tracks (default 1M) with correlated
audio features over 50k artists in 30 genres, and `--users` users (default 10k) with
`--events` interactions each (default 100), in a scratch database on the test cluster.
Indexes the bench does not use are dropped before the load (it is a scratch database).

Measured:
1. KNN candidate query (`recommend.CANDIDATES_SQL`: pool, genres, exclusions) p50/p95 vs a
   bare `ORDER BY audio_vector <-> target LIMIT n` on the same targets; goal <= 1.5x.
2. A whole `next_batch` (profile, probes, candidates, scoring, recording) p50/p95, per
   session type (mood, genre, similarity) and overall.
3. `record_event` (incremental profile update) per event, median; goal <= 5 ms.
4. `rebuild_profiles` for every user vs one bare aggregate scan of the same events.

Run: .venv/bin/python -m bench.discovery_speed [--tracks N --users N --events N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, text

from bench.discovery_eval import scratch_database
from searxng_cool.db.models.audio_vector import cube_literal
from searxng_cool.discovery import sessions
from searxng_cool.discovery.recommend import CANDIDATES_SQL, MIN_POOL
from searxng_cool.listening.profiles import rebuild_profiles, record_event

GENRES = 30
ARTISTS = 50_000
SAMPLES = 200
UNUSED_INDEXES = (
    "idx_tracks_audio_features",
    "idx_tracks_search",
    "idx_tracks_isrc",
    "idx_tracks_artist_album",
    "idx_artists_search",
)


def _clamped(expr: str) -> str:
    return f"least(1.0, greatest(0.0, {expr}))"


def generate(conn: Connection, tracks: int, users: int, events: int) -> None:
    """The catalog and the listening history, set-based, with a fixed seed."""
    conn.exec_driver_sql("SELECT setseed(0.42)")
    for index in (*UNUSED_INDEXES, "idx_tracks_audio_vector"):
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
    conn.exec_driver_sql(
        f"""INSERT INTO artists (id, name, genres)
            SELECT g, 'Artist ' || g, jsonb_build_array('genre ' || mod(g, {GENRES}),
                                                        'genre ' || mod(g * 7, {GENRES}))
              FROM generate_series(1, {ARTISTS}) g"""
    )
    conn.exec_driver_sql(
        f"""INSERT INTO tracks (title, artist_id, duration_ms, popularity, audio_features)
            SELECT 'Track ' || g, 1 + mod(g, {ARTISTS}), 120000 + (random() * 180000)::int,
                   100 * random() ^ 2,
                   jsonb_build_object(
                     'energy', e, 'danceability', {_clamped("0.3 + 0.5 * e + 0.3 * (random() - 0.5)")},
                     'loudness', -30 + 27 * e + 4 * (random() - 0.5), 'speechiness', 0.3 * random() ^ 3,
                     'acousticness', {_clamped("1 - e + 0.3 * (random() - 0.5)")},
                     'instrumentalness', random() ^ 4, 'liveness', 0.1 + 0.4 * random() ^ 3,
                     'valence', {_clamped("0.2 + 0.5 * e + 0.4 * (random() - 0.5)")},
                     'tempo', 70 + 90 * e + 30 * random(), 'key', floor(random() * 12)::int,
                     'mode', (random() > 0.4)::int)
              FROM (SELECT g, random() AS e FROM generate_series(1, {tracks}) g) s"""
    )
    conn.exec_driver_sql("CREATE INDEX idx_tracks_audio_vector ON tracks USING gist (audio_vector)")
    conn.exec_driver_sql(
        f"""INSERT INTO users (id, username, email, password_hash)
            SELECT u, 'user' || u, 'user' || u || '@example.org', 'none'
              FROM generate_series(1, {users}) u"""
    )
    conn.exec_driver_sql(
        f"""INSERT INTO user_interactions (user_id, track_id, interaction_type, play_duration_ms,
                                           created_at)
            SELECT u, 1 + floor(random() * {tracks})::int,
                   (ARRAY['play', 'play', 'play', 'like', 'skip', 'save'])[1 + floor(random() * 6)::int],
                   (random() * 240000)::int, now() - random() * interval '365 days'
              FROM generate_series(1, {users}) u, generate_series(1, {events}) e"""
    )
    for table in ("artists", "tracks", "users", "user_interactions"):
        conn.exec_driver_sql(f"ANALYZE {table}")


def timed(call: Callable[..., object], *args: object, **kwargs: object) -> float:
    """Milliseconds one call takes."""
    start = time.perf_counter()
    call(*args, **kwargs)
    return (time.perf_counter() - start) * 1000.0


def fetch_all(conn: Connection, sql: Any, params: dict[str, Any]) -> object:
    return conn.execute(sql, params).all()


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def _targets(rng: random.Random) -> list[str]:
    return [cube_literal([rng.random() for _ in range(9)]) for _ in range(SAMPLES)]


def bench_knn(conn: Connection, rng: random.Random) -> tuple[list[float], list[float]]:
    bare_sql = text(
        "SELECT id FROM tracks ORDER BY audio_vector <-> CAST(:target AS cube) LIMIT :pool"
    )
    full_sql = text(CANDIDATES_SQL.format(genre_filter=""))
    bare, full = [], []
    for target in _targets(rng):
        user = rng.randint(1, 500)
        params = {
            "target": target,
            "pool": MIN_POOL * 2,
            "user_id": user,
            "include_liked": False,
            "session_id": 0,
            "excluded": [],
            "energy_low": 0.0,
            "energy_high": 1.0,
            "valence_low": 0.0,
            "valence_high": 1.0,
            "excluded_genres": [],
        }
        bare.append(timed(fetch_all, conn, bare_sql, {"target": target, "pool": params["pool"]}))
        full.append(timed(fetch_all, conn, full_sql, params))
    return bare, full


SESSION_KINDS: dict[str, dict[str, Any]] = {
    "mood": {"mood": "happy"},
    "genre": {"genre": "genre 3"},
    "similarity": {"seed_track_id": 12345},
}


def bench_next_batch(conn: Connection, rng: random.Random, users: int) -> dict[str, list[float]]:
    """First batch of fresh sessions of each kind, for users with history."""
    samples: dict[str, list[float]] = {kind: [] for kind in SESSION_KINDS}
    for n in range(SAMPLES // 2 * len(SESSION_KINDS)):
        kind = list(SESSION_KINDS)[n % len(SESSION_KINDS)]
        sid = sessions.start_session(
            conn,
            user_id=rng.randint(1, min(1000, users)),
            session_type=kind,
            parameters=SESSION_KINDS[kind],
        )
        samples[kind].append(timed(sessions.next_batch, conn, session_id=sid))
    return samples


def bench_record_event(
    conn: Connection, rng: random.Random, tracks: int, users: int
) -> list[float]:
    samples = []
    for _ in range(SAMPLES * 2):
        user, track = rng.randint(1, users), rng.randint(1, tracks)
        kind = rng.choice(["play", "like", "skip", "save"])
        occurred_at = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
        samples.append(
            timed(
                record_event,
                conn,
                user_id=user,
                track_id=track,
                interaction_type=kind,
                occurred_at=occurred_at,
            )
        )
    return samples


def report_knn(conn: Connection, rng: random.Random) -> float:
    bare, full = bench_knn(conn, rng)
    print(
        f"KNN bare ORDER BY <-> LIMIT {MIN_POOL * 2}: p50 {statistics.median(bare):.2f} ms,"
        f" p95 {p95(bare):.2f} ms"
    )
    print(
        f"KNN candidate query: p50 {statistics.median(full):.2f} ms, p95 {p95(full):.2f} ms"
        f" -> {p95(full) / p95(bare):.2f}x bare at p95 (goal <= 1.5x)"
    )
    return p95(bare)


def report_rebuild(conn: Connection, users: int, events: int) -> None:
    # Baseline: one pass joining the same events to their tracks and aggregating per user.
    scan = timed(
        fetch_all,
        conn,
        text(
            "SELECT ui.user_id, count(*), avg(cube_ll_coord(t.audio_vector, 2))"
            " FROM user_interactions ui JOIN tracks t ON t.id = ui.track_id GROUP BY ui.user_id"
        ),
        {},
    )
    rebuild = timed(rebuild_profiles, conn)
    print(
        f"rebuild {users} users x {events} events: {rebuild / 1000:.1f} s"
        f" ({users / (rebuild / 1000):.0f} users/s); one aggregate join of the same events"
        f" {scan / 1000:.2f} s -> {rebuild / scan:.1f}x"
    )


def report_updates(conn: Connection, rng: random.Random, tracks: int, users: int) -> None:
    events = bench_record_event(conn, rng, tracks, users)
    print(
        f"incremental profile update per event: median {statistics.median(events):.2f} ms,"
        f" p95 {p95(events):.2f} ms (goal median <= 5 ms)"
    )


def report_batches(conn: Connection, rng: random.Random, users: int, bare_p95: float) -> None:
    by_kind = bench_next_batch(conn, rng, users)
    for kind, batches in [*by_kind.items(), ("all", [x for v in by_kind.values() for x in v])]:
        print(
            f"whole next_batch, {kind} (10 tracks, recorded): p50 {statistics.median(batches):.1f} ms,"
            f" p95 {p95(batches):.1f} ms -> {p95(batches) / bare_p95:.1f}x the bare KNN p95"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--parts", default="knn,rebuild,update,batch", help="comma-separated")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    rng = random.Random(7)
    with scratch_database() as conn:
        load = timed(generate, conn, args.tracks, args.users, args.events)
        conn.commit()
        print(
            f"generated {args.tracks} tracks, {args.users} users x {args.events} events"
            f" in {load / 1000:.0f} s"
        )
        bare_p95 = report_knn(conn, rng) if parts & {"knn", "batch"} else 0.0
        if "rebuild" in parts:
            report_rebuild(conn, args.users, args.events)
        if "update" in parts:
            report_updates(conn, rng, args.tracks, args.users)
        if "batch" in parts:
            report_batches(conn, rng, args.users, bare_p95)
        conn.rollback()


if __name__ == "__main__":
    main()
