"""Hostile queries: never an error, an empty or sensible result."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from searxng_cool.catalog.search import MAX_QUERY_CHARS, search
from tests import factories

HOSTILE = [
    "", "   ", "x" * 10_000, "love " * 2_000, "!!!", ".,;:-_()[]{}", "a & | !", "!love",
    "love:*", "'love'", "a <-> b", "(((", "\\", "''''", "'; DROP TABLE tracks; --",
    "1 OR 1=1", "%_%", "$1", "\x00love", "love\x00", "\ud800", "🎵🎶🔥", "❤️ love ❤️",
    "مرحبا بالعالم", "שלום עולם", "\u202eevol", "東京", "Ünïcödé", "\t\n\r",
]  # fmt: skip


@pytest.fixture
def catalog(connection: Connection) -> Connection:
    artist = factories.artist(connection, name="Lovers & Friends")
    for title in ("Love", "Lovely Day", "東京 Love Story", "حب", "It's a 'quote'"):
        factories.track(connection, title=title, artist_id=artist)
    return connection


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_return_a_result_not_an_error(catalog: Connection, query: str) -> None:
    page = search(catalog, query=query)
    assert isinstance(page.results, list)
    # The tables are untouched and the connection still works.
    assert catalog.execute(text("SELECT count(*) FROM tracks")).scalar() == 5


def test_blank_and_punctuation_only_queries_find_nothing(catalog: Connection) -> None:
    for query in ("", "   ", "!!!", "a & | !"[2:], "🎵🎶🔥"):
        assert search(catalog, query=query).results == []


def test_tsquery_syntax_is_taken_as_words(catalog: Connection) -> None:
    assert search(catalog, query="love & | !").results[0].name == "Love"
    assert search(catalog, query="!love").results[0].name == "Love"


def test_a_huge_query_is_cut_to_its_first_characters(catalog: Connection) -> None:
    assert (
        search(catalog, query="love " + "x" * 10_000).results
        == search(catalog, query="love " + "x" * (MAX_QUERY_CHARS - 5)).results
    )


def test_quotes_and_non_latin_names_are_found(catalog: Connection) -> None:
    assert search(catalog, query="it's a 'quote'").results[0].name == "It's a 'quote'"
    assert search(catalog, query="東京").results[0].name == "東京 Love Story"
    assert search(catalog, query="حب").results[0].name == "حب"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=st.text(max_size=300))
def test_any_text_is_a_valid_query(catalog: Connection, query: str) -> None:
    page = search(catalog, query=query)
    assert all(r.type in {"track", "artist", "album"} for r in page.results)
    scores = [r.score for r in page.results]
    assert scores == sorted(scores, reverse=True)
