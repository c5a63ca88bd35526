"""Smart-playlist title rules on a catalog big enough that PostgreSQL plans for real:
the trigram index serves patterns of 3+ characters, and shorter ones still match right."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg.types.json import Jsonb
from sqlalchemy import Connection, text

from searxng_cool.playlists import smart
from searxng_cool.playlists.rule_sql import compile_rules
from searxng_cool.playlists.rules import parse_rules
from tests import factories

TRACKS = 20_000


@pytest.fixture
def catalog(connection: Connection) -> int:
    """`TRACKS` tracks titled 'Song <n> <md5>' plus one 'Zanzibar Nights'; the owner's id."""
    connection.execute(
        text(
            "INSERT INTO tracks (title, popularity)"
            " SELECT 'Song ' || n || ' ' || md5(n::text), n % 100 FROM generate_series(1, :n) n"
        ),
        {"n": TRACKS},
    )
    factories.track(connection, title="Zanzibar Nights")
    # What autovacuum does: move the new entries from GIN's pending list into the tree,
    # which the planner otherwise counts as a full read.
    connection.execute(text("SELECT gin_clean_pending_list('idx_tracks_title_trgm')"))
    connection.execute(text("ANALYZE tracks"))
    return factories.user(connection)


def plan(connection: Connection, rules: dict[str, Any], owner: int) -> str:
    compiled = compile_rules(parse_rules(rules), owner_id=owner).compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = {
        key: Jsonb(value) if isinstance(value, list | dict) else value
        for key, value in compiled.params.items()
    }
    rows = connection.exec_driver_sql("EXPLAIN " + str(compiled), params)
    return "\n".join(row[0] for row in rows)


def titles_matching(connection: Connection, rules: dict[str, Any], owner: int) -> list[str]:
    ids = smart.preview_rules(connection, rules=rules, owner_id=owner)
    found = connection.execute(
        text("SELECT id, title FROM tracks WHERE id = ANY(:ids)"), {"ids": ids}
    )
    title_of = {row.id: row.title for row in found}
    return [title_of[track_id] for track_id in ids]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"contains": {"title": "ZANZIBAR"}}, ["Zanzibar Nights"]),
        ({"contains": {"title": "bar nig"}}, ["Zanzibar Nights"]),
        ({"startsWith": {"title": "zanz"}}, ["Zanzibar Nights"]),
        ({"endsWith": {"title": "nights"}}, ["Zanzibar Nights"]),
    ],
)
def test_a_title_rule_is_served_by_the_trigram_index(
    connection: Connection, catalog: int, rule: dict[str, Any], expected: list[str]
) -> None:
    rules = {"all": [rule], "sort": "title", "limit": 100}
    shown = plan(connection, rules, catalog)
    assert "idx_tracks_title_trgm" in shown
    assert "Seq Scan on tracks" not in shown
    assert titles_matching(connection, rules, catalog) == expected


def test_a_pattern_too_short_for_trigrams_still_finds_every_match(
    connection: Connection, catalog: int
) -> None:
    rules = {"all": [{"contains": {"title": "7f"}}], "sort": "title", "limit": 10_000}
    expected = connection.execute(
        text("SELECT title FROM tracks WHERE strpos(lower(title), '7f') > 0 ORDER BY title, id")
    ).scalars()
    assert titles_matching(connection, rules, catalog) == list(expected)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("0% pure_", ["100% Pure_Love"]), ("0%_", []), ("c/dc", ["AC/DC Live"]), ("//", [])],
)
def test_wildcards_and_the_escape_character_in_a_title_pattern_are_literal(
    connection: Connection, catalog: int, pattern: str, expected: list[str]
) -> None:
    factories.track(connection, title="100% Pure_Love")
    factories.track(connection, title="AC/DC Live")
    rules = {"all": [{"contains": {"title": pattern}}]}
    assert titles_matching(connection, rules, catalog) == expected
