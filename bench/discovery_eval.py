"""Offline evaluation of the recommender on real listening data, against two baselines.

Data: the Spotify catalog (spotify_songs.csv, ~28k tracks with audio features) and one
listener's Last.fm history (lastfm_scrobbles.csv) matched to it by normalised artist and
title. Split by time: the first `TRAIN_SHARE` of the matched plays build the profile; every
later calendar month with plays is one evaluation case. For each case the recommender (the
profile as of the month's start, through the same `recommend` as discovery sessions) and
the baselines each name 20 tracks; relevant = the distinct tracks played that month. After
the case, the month's plays are recorded and folded into the profile one event at a time
(the incremental path), so the next month sees them.

Reported, in the same run: hit rate@20 (share of cases with at least one relevant track in
the 20) and NDCG@20 (binary relevance) for the recommender, most-popular (Spotify
popularity) and random (the mean of `RANDOM_DRAWS` seeded draws per case).

Run: .venv/bin/python -m bench.discovery_eval
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, text

from bench.discovery_data import load_lastfm_listener, load_spotify_catalog
from bench.scratch import scratch_engine
from searxng_cool.discovery.recommend import Request, recommend
from searxng_cool.listening.profiles import favourite_vectors, load_profile, record_event
from searxng_cool.listening.recording import record_interaction

K = 20
TRAIN_SHARE = 0.7
RANDOM_DRAWS = 20


@dataclass
class Scores:
    hits: list[float] = field(default_factory=list)
    ndcgs: list[float] = field(default_factory=list)

    def add(self, ranked: list[int], relevant: set[int]) -> None:
        top = ranked[:K]
        self.hits.append(1.0 if relevant & set(top) else 0.0)
        dcg = sum(1.0 / math.log2(i + 2) for i, track in enumerate(top) if track in relevant)
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(K, len(relevant))))
        self.ndcgs.append(dcg / ideal)

    @property
    def hit_rate(self) -> float:
        return sum(self.hits) / len(self.hits)

    @property
    def ndcg(self) -> float:
        return sum(self.ndcgs) / len(self.ndcgs)


@dataclass
class Report:
    cases: int = 0
    train_plays: int = 0
    test_plays: int = 0
    recommender: Scores = field(default_factory=Scores)
    most_popular: Scores = field(default_factory=Scores)
    random: Scores = field(default_factory=Scores)


@dataclass
class Evaluation:
    """`all_plays`: relevant = every track played that month; `new_only`: only tracks the
    listener had never played before (months with none are not cases)."""

    all_plays: Report = field(default_factory=Report)
    new_only: Report = field(default_factory=Report)


def _months(
    conn: Connection, cutoff: datetime
) -> list[tuple[datetime, list[tuple[int, datetime]]]]:
    rows = conn.execute(
        text(
            "SELECT date_trunc('month', played_at) AS month, track_id, played_at FROM listened"
            " WHERE played_at >= :cutoff ORDER BY played_at"
        ),
        {"cutoff": cutoff},
    ).all()
    months: dict[datetime, list[tuple[int, datetime]]] = {}
    for month, track_id, played_at in rows:
        months.setdefault(month, []).append((track_id, played_at))
    return sorted(months.items())


def _play(conn: Connection, user_id: int, plays: list[tuple[int, datetime]]) -> None:
    """Record plays as interactions and fold each into the profile, in time order."""
    for track_id, played_at in plays:
        record_interaction(
            conn, user_id=user_id, track_id=track_id, interaction_type="play", created_at=played_at
        )
        record_event(
            conn,
            user_id=user_id,
            track_id=track_id,
            interaction_type="play",
            occurred_at=played_at,
        )


def _recommended(conn: Connection, user_id: int) -> list[int]:
    profile = load_profile(conn, user_id=user_id)
    request = Request(
        target=profile.state.target(),
        anchor="tracks you liked",
        limit=K,
        probes=favourite_vectors(conn, user_id=user_id),
    )
    return [r.track_id for r in recommend(conn, profile=profile, request=request)]


def _score_case(
    report: Report,
    ranked: list[int],
    popular: list[int],
    relevant: set[int],
    draws: list[list[int]],
) -> None:
    report.recommender.add(ranked, relevant)
    report.most_popular.add(popular, relevant)
    random_scores = Scores()
    for draw in draws:
        random_scores.add(draw, relevant)
    report.random.hits.append(random_scores.hit_rate)
    report.random.ndcgs.append(random_scores.ndcg)
    report.cases += 1


def evaluate(conn: Connection, user_id: int, seed: int = 1) -> Evaluation:
    """Replay the listener's history and score the three recommenders month by month."""
    cutoff = conn.execute(
        text(
            f"SELECT percentile_disc({TRAIN_SHARE}) WITHIN GROUP (ORDER BY played_at) FROM listened"
        )
    ).scalar_one()
    train = conn.execute(
        text("SELECT track_id, played_at FROM listened WHERE played_at < :c ORDER BY played_at"),
        {"c": cutoff},
    ).all()
    _play(conn, user_id, [tuple(r) for r in train])
    heard = {track_id for track_id, _ in train}
    popular = list(
        conn.execute(
            text(f"SELECT id FROM tracks ORDER BY popularity DESC NULLS LAST, id LIMIT {K}")
        ).scalars()
    )
    everything = list(conn.execute(text("SELECT id FROM tracks ORDER BY id")).scalars())
    rng = random.Random(seed)
    result = Evaluation()
    result.all_plays.train_plays = result.new_only.train_plays = len(train)
    for _, plays in _months(conn, cutoff):
        relevant = {track_id for track_id, _ in plays}
        ranked = _recommended(conn, user_id)
        draws = [rng.sample(everything, K) for _ in range(RANDOM_DRAWS)]
        _score_case(result.all_plays, ranked, popular, relevant, draws)
        result.all_plays.test_plays += len(plays)
        if relevant - heard:
            _score_case(result.new_only, ranked, popular, relevant - heard, draws)
            result.new_only.test_plays += len(plays)
        _play(conn, user_id, plays)
        heard |= relevant
    return result


@contextmanager
def scratch_database() -> Iterator[Connection]:
    """A connection to a fresh database at head, dropped afterwards."""
    with scratch_engine("discovery") as engine, engine.connect() as conn:
        yield conn


def _ratio(ours: float, theirs: float) -> str:
    if theirs > 0:
        return f"{ours / theirs:.1f}x"
    return "n/a (baseline scored 0)" if ours == 0 else "inf (baseline scored 0)"


def _print(title: str, report: Report) -> None:
    print(f"{title}: train {report.train_plays} plays, {report.cases} monthly cases")
    print(f"  {'system':<14}{'hit rate@20':>12}{'NDCG@20':>10}")
    systems = (
        ("recommender", report.recommender),
        ("most-popular", report.most_popular),
        ("random", report.random),
    )
    for name, scores in systems:
        print(f"  {name:<14}{scores.hit_rate:>12.3f}{scores.ndcg:>10.4f}")
    for name, base in systems[1:]:
        print(
            f"  vs {name}: hit rate {_ratio(report.recommender.hit_rate, base.hit_rate)}"
            f" (+{report.recommender.hit_rate - base.hit_rate:.3f}),"
            f" NDCG {_ratio(report.recommender.ndcg, base.ndcg)}"
            f" (+{report.recommender.ndcg - base.ndcg:.4f})"
        )


def main() -> None:
    with scratch_database() as conn:
        tracks = load_spotify_catalog(conn)
        user_id, plays = load_lastfm_listener(conn)
        result = evaluate(conn, user_id)
    print(
        f"catalog: {tracks} tracks; listener: {plays} plays matched to it; split by time at"
        f" {TRAIN_SHARE:.0%} of the plays"
    )
    _print("every track played in the month", result.all_plays)
    _print("only tracks new to the listener", result.new_only)


if __name__ == "__main__":
    main()
