"""The offline evaluation on real listening data (bench/discovery_eval.py), as a test."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from bench.discovery_data import load_lastfm_listener, load_spotify_catalog
from bench.discovery_eval import evaluate


@pytest.mark.shared_data
def test_the_recommender_beats_most_popular_and_random_on_real_listening(
    shared_data: Path, engine: Engine
) -> None:
    with engine.connect() as conn:
        assert load_spotify_catalog(conn, shared_data) > 25_000
        user_id, plays = load_lastfm_listener(conn, shared_data)
        assert plays > 1_000
        report = evaluate(conn, user_id).all_plays
    assert report.cases >= 20
    for baseline in (report.most_popular, report.random):
        assert report.recommender.hit_rate > baseline.hit_rate
        assert report.recommender.ndcg > baseline.ndcg
    assert report.recommender.hit_rate >= 0.2
