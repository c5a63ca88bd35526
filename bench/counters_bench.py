"""Counting rows into track_play_counters: the one SQL rule against the inline statement.

The offline month fill and the partition detach count their rows with
`track_play_counters_count(regclass, direction)` (db/sql/track_play_counters_v2.sql). This
times it against the equivalent inline INSERT ... SELECT ... ON CONFLICT (what those paths
ran before the rule had one home) on the same table, in the same run.

Run: python -m bench.counters_bench [--events 1000000 --tracks 20000 --rounds 3]
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import Engine, text

from bench.scratch import scratch_engine
from searxng_cool.listening.partitions import COUNT_INTO_COUNTERS

INLINE = """
INSERT INTO track_play_counters AS c
       (track_id, total_interactions, total_plays, total_likes,
        play_duration_sum_ms, timed_plays, last_played_at)
SELECT track_id, count(*),
       count(*) FILTER (WHERE interaction_type = 'play'),
       count(*) FILTER (WHERE interaction_type = 'like'),
       coalesce(sum(play_duration_ms) FILTER (WHERE interaction_type = 'play'), 0),
       count(play_duration_ms) FILTER (WHERE interaction_type = 'play'),
       max(created_at) FILTER (WHERE interaction_type = 'play')
  FROM bench_rows GROUP BY track_id ORDER BY track_id
ON CONFLICT (track_id) DO UPDATE
   SET total_interactions = c.total_interactions + EXCLUDED.total_interactions,
       total_plays = c.total_plays + EXCLUDED.total_plays,
       total_likes = c.total_likes + EXCLUDED.total_likes,
       play_duration_sum_ms = c.play_duration_sum_ms + EXCLUDED.play_duration_sum_ms,
       timed_plays = c.timed_plays + EXCLUDED.timed_plays,
       last_played_at = greatest(c.last_played_at, EXCLUDED.last_played_at)
"""


def seed(engine: Engine, events: int, tracks: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO artists (name) VALUES ('bench')"))
        conn.execute(
            text(
                "INSERT INTO tracks (title, artist_id) SELECT 't' || g, (SELECT id FROM artists)"
                " FROM generate_series(1, :tracks) g"
            ),
            {"tracks": tracks},
        )
        conn.execute(
            text(
                "CREATE TABLE bench_rows AS SELECT (SELECT min(id) FROM tracks) + g % :tracks"
                " AS track_id, (CASE WHEN g % 3 = 0 THEN 'like' ELSE 'play' END)::varchar(20)"
                " AS interaction_type, (g % 200000)::int AS play_duration_ms,"
                " now() - g * interval '1 second' AS created_at"
                " FROM generate_series(1, :events) g"
            ),
            {"tracks": tracks, "events": events},
        )


def timed(engine: Engine, sql: str, params: dict[str, object]) -> float:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM track_play_counters"))
        started = time.perf_counter()
        conn.execute(text(sql), params)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--tracks", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with scratch_engine("counters") as engine:
        seed(engine, args.events, args.tracks)
        inline, rule = [], []
        for _ in range(args.rounds):
            inline.append(timed(engine, INLINE, {}))
            rule.append(timed(engine, COUNT_INTO_COUNTERS, {"rows": "bench_rows", "direction": 1}))
    print(f"{args.events:,} rows into {args.tracks:,} tracks' counters, best of {args.rounds}:")
    print(f"inline INSERT ... SELECT       {min(inline) * 1000:8.0f} ms")
    print(f"track_play_counters_count()    {min(rule) * 1000:8.0f} ms")
    print(f"ratio rule / inline            {min(rule) / min(inline):8.2f}x")


if __name__ == "__main__":
    main()
