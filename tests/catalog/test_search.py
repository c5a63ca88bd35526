"""Search: accents, type-ahead, typos, ranking, filters, pagination, and the plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from searxng_cool.catalog.search import SearchPage, search
from searxng_cool.catalog.search_filters import Range, SearchFilters
from searxng_cool.errors import InvalidInput
from tests import factories
from tests.catalog import spotify_slice


def names(page: SearchPage) -> list[tuple[str, str]]:
    return [(r.type, r.name) for r in page.results]


@pytest.fixture
def catalog(connection: Connection) -> Connection:
    """A few artists whose names exercise accents, prefixes and typos."""
    tiesto = factories.artist(connection, name="Tiësto", popularity=70, genres=["edm"])
    beyonce = factories.artist(connection, name="Beyoncé", popularity=90, genres=["r&b"])
    dua = factories.artist(connection, name="Dua Lipa", popularity=85, genres=["pop"])
    metallica = factories.artist(connection, name="Metallica", popularity=75, genres=["rock"])
    nostalgia = factories.album(
        connection, title="Future Nostalgia", artist_id=dua, release_date="2020-03-27"
    )
    black = factories.album(
        connection, title="Metallica", artist_id=metallica, release_date="1991-08-12"
    )
    for title, artist, album, popularity, duration, energy in (
        ("Red Lights", tiesto, None, 60, 263_000, 0.9),
        ("Halo", beyonce, None, 80, 261_000, 0.7),
        ("Levitating", dua, nostalgia, 88, 203_000, 0.8),
        ("Don't Start Now", dua, nostalgia, 84, 183_000, 0.79),
        ("Enter Sandman", metallica, black, 75, 331_000, 0.82),
        ("Nothing Else Matters", metallica, black, 78, 388_000, 0.3),
    ):
        factories.track(
            connection, title=title, artist_id=artist, album_id=album, popularity=popularity,
            duration_ms=duration, audio_features={"energy": energy},
        )  # fmt: skip
    return connection


@pytest.mark.parametrize(
    ("query", "expected"),
    [("tiesto", ("artist", "Tiësto")), ("beyonce", ("artist", "Beyoncé")),
     ("BEYONCÉ", ("artist", "Beyoncé")), ("TIËSTO red", ("track", "Red Lights"))],
)  # fmt: skip
def test_search_ignores_accents_and_case(
    catalog: Connection, query: str, expected: tuple[str, str]
) -> None:
    assert names(search(catalog, query=query))[0] == expected


def test_an_unfinished_last_word_matches_as_a_prefix(catalog: Connection) -> None:
    found = names(search(catalog, query="dua li"))
    assert found[0] == ("artist", "Dua Lipa")
    assert ("track", "Levitating") in found


@pytest.mark.parametrize(
    ("query", "expected"),
    [("beyonse", ("artist", "Beyoncé")), ("metalica", ("artist", "Metallica")),
     ("levitatin", ("track", "Levitating")), ("enter sandmann", ("track", "Enter Sandman"))],
)  # fmt: skip
def test_typos_fall_back_to_the_nearest_known_words(
    catalog: Connection, query: str, expected: tuple[str, str]
) -> None:
    assert names(search(catalog, query=query))[0] == expected


def test_whole_name_beats_whole_words_beats_prefix(connection: Connection) -> None:
    artist = factories.artist(connection, name="Someone", popularity=0)
    for title, popularity in (("Love", 1), ("Love Story", 99), ("Lovely", 100), ("Glove", 100)):
        factories.track(connection, title=title, artist_id=artist, popularity=popularity)
    ranked = [r.name for r in search(connection, query="love").results]
    # "love" is a known word, so it is not a typo of "glove".
    assert ranked == ["Love", "Love Story", "Lovely"]


def test_a_word_the_catalog_lacks_is_corrected_and_ranked_last(connection: Connection) -> None:
    artist = factories.artist(connection, name="Someone", popularity=0)
    factories.track(connection, title="Glove Lovel", artist_id=artist, popularity=100)
    factories.track(connection, title="Loves Me", artist_id=artist, popularity=0)
    ranked = search(connection, query="lovez").results
    assert {r.name for r in ranked} == {"Loves Me", "Glove Lovel"}
    assert all(1 <= r.score < 2 for r in ranked)


def test_looser_tiers_are_skipped_when_whole_words_find_enough(connection: Connection) -> None:
    from searxng_cool.catalog.search import FEW_RESULTS

    artist = factories.artist(connection, name="Someone")
    for n in range(FEW_RESULTS):
        factories.track(connection, title=f"Love {n}", artist_id=artist)
    factories.track(connection, title="Lovely", artist_id=artist)
    found = {r.name for r in search(connection, query="love", limit=100).results}
    assert len(found) == FEW_RESULTS
    assert "Lovely" not in found


def test_prefix_matches_rank_above_typo_matches(connection: Connection) -> None:
    artist = factories.artist(connection, name="Someone")
    factories.track(connection, title="Sandstorm", artist_id=artist, popularity=0)
    factories.track(connection, title="Sandman", artist_id=artist, popularity=100)
    ranked = [r.name for r in search(connection, query="sandst").results]
    assert ranked[0] == "Sandstorm"


def test_a_title_match_outranks_an_artist_match_of_equal_popularity(
    connection: Connection,
) -> None:
    halo_artist = factories.artist(connection, name="Halo Effect")
    other = factories.artist(connection, name="Someone Else")
    factories.track(connection, title="Days", artist_id=halo_artist, popularity=50)
    factories.track(connection, title="Halo Days", artist_id=other, popularity=50)
    tracks = [
        r.name
        for r in search(
            connection, query="halo days", filters=SearchFilters(types=("track",))
        ).results
    ]
    assert tracks == ["Halo Days", "Days"]


def test_popularity_orders_equally_relevant_results(connection: Connection) -> None:
    artist = factories.artist(connection, name="Someone")
    for popularity in (10, 90, 50):
        factories.track(connection, title="Home", artist_id=artist, popularity=popularity)
    found = search(connection, query="home", filters=SearchFilters(types=("track",))).results
    assert [r.score for r in found] == sorted((r.score for r in found), reverse=True)
    popularity = connection.execute(
        text("SELECT popularity FROM tracks WHERE id = ANY(:ids) ORDER BY popularity DESC"),
        {"ids": [r.id for r in found]},
    ).scalars()
    assert [r.id for r in found] == [
        connection.execute(text("SELECT id FROM tracks WHERE popularity = :p"), {"p": p}).scalar()
        for p in popularity
    ]


def test_results_are_typed_and_can_be_grouped(catalog: Connection) -> None:
    page = search(catalog, query="metallica")
    assert {r.type for r in page.results} == {"artist", "album", "track"}
    grouped = page.grouped()
    assert list(grouped) == ["artist", "album", "track"]
    assert all(r.type == kind for kind, results in grouped.items() for r in results)


def test_json_shape_names_artists_and_titles_tracks(catalog: Connection) -> None:
    shown = [r.as_json() for r in search(catalog, query="metallica").results]
    artist = next(s for s in shown if s["type"] == "artist")
    track = next(s for s in shown if s["type"] == "track")
    assert artist["name"] == "Metallica"
    assert "title" not in artist
    assert track["title"] in {"Enter Sandman", "Nothing Else Matters"}
    assert {"type", "id", "artist", "album", "score"} <= set(track)
    assert track["album"] == "Metallica"
    json.dumps(shown)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(types=("track",)), {"Levitating", "Don't Start Now"}),
        (SearchFilters(types=("artist",)), {"Dua Lipa"}),
        (SearchFilters(genre="POP"), {"Dua Lipa", "Future Nostalgia", "Levitating", "Don't Start Now"}),
        (SearchFilters(genre="rock"), set()),
        (SearchFilters(years=Range(2019, 2020)), {"Future Nostalgia", "Levitating", "Don't Start Now"}),
        (SearchFilters(years=Range(2021, None)), set()),
        (SearchFilters(duration_ms=Range(190_000, 210_000)), {"Levitating"}),
        (SearchFilters(features={"energy": Range(0.795, None)}), {"Levitating"}),
        (SearchFilters(features={"energy": Range(None, 0.795)}), {"Don't Start Now"}),
    ],
)  # fmt: skip
def test_filters_narrow_results(
    catalog: Connection, filters: SearchFilters, expected: set[str]
) -> None:
    assert {r.name for r in search(catalog, query="dua lipa", filters=filters).results} == expected


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (SearchFilters(types=("song",)), "song"),
        (SearchFilters(years=Range(2020, 2010)), "2020..2010"),
        (SearchFilters(duration_ms=Range(5, 1)), "duration"),
        (SearchFilters(features={"loudnes": Range(0, 1)}), "loudnes"),
        (SearchFilters(genre="  "), "genre"),
    ],
)
def test_bad_filters_are_refused_naming_the_value(
    connection: Connection, filters: SearchFilters, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        search(connection, query="x", filters=filters)


def test_a_feature_stored_as_text_is_refused_and_the_filter_reads_numbers(
    connection: Connection,
) -> None:
    # Since the audio-feature range check, a feature stored as text cannot be written.
    artist = factories.artist(connection, name="Someone")
    with pytest.raises(IntegrityError), connection.begin_nested():
        factories.track(
            connection, title="Odd", artist_id=artist, audio_features={"energy": "high"}
        )
    factories.track(connection, title="Odd Two", artist_id=artist, audio_features={"energy": 0.5})
    found = search(connection, query="odd", filters=SearchFilters(features={"energy": Range(0, 1)}))
    assert [r.name for r in found.results] == ["Odd Two"]


def test_pages_follow_each_other_without_gaps_or_repeats(connection: Connection) -> None:
    artist = factories.artist(connection, name="Someone")
    for n in range(23):
        factories.track(connection, title=f"Rain {n}", artist_id=artist, popularity=n % 5 * 10)
    everything = search(connection, query="rain", limit=100).results
    seen, cursor = [], None
    while True:
        page = search(connection, query="rain", limit=5, cursor=cursor)
        seen += page.results
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [(r.type, r.id) for r in seen] == [(r.type, r.id) for r in everything]
    assert len(everything) == 23


def test_a_cursor_from_another_search_or_damaged_is_refused(catalog: Connection) -> None:
    cursor = search(catalog, query="dua", limit=1).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidInput, match="cursor"):
        search(catalog, query="metallica", limit=1, cursor=cursor)
    with pytest.raises(InvalidInput, match="cursor"):
        search(catalog, query="dua", limit=1, cursor=cursor[:-3] + "!!!")


def test_page_size_must_be_between_1_and_100(connection: Connection) -> None:
    with pytest.raises(InvalidInput, match="101"):
        search(connection, query="x", limit=101)


def _plan(conn: Connection, query: str, filters: SearchFilters | None = None) -> str:
    from searxng_cool.catalog.search import statement

    sql, params = statement(query=query, filters=filters or SearchFilters())
    return "\n".join(conn.execute(text("EXPLAIN " + sql), params).scalars())


@pytest.fixture
def thousands(connection: Connection) -> Connection:
    """Enough rows that a sequential scan is not the cheapest plan."""
    connection.execute(
        text("""
            INSERT INTO artists (name) SELECT 'Artist ' || n FROM generate_series(1, 200) n;
            INSERT INTO tracks (title, artist_id, popularity)
            SELECT 'Song ' || n || ' ' || md5(n::text), 1 + n % 200, n % 100
              FROM generate_series(1, 20000) n;
            INSERT INTO tracks (title, artist_id) VALUES ('Zanzibar Nights', 1);
            ANALYZE;
            -- What autovacuum does: move new GIN entries from the pending list into the tree.
            SELECT gin_clean_pending_list('idx_search_entries_document');
        """)
    )
    return connection


def test_the_plan_uses_the_document_and_name_indexes(thousands: Connection) -> None:
    plan = _plan(thousands, "zanzibar")
    assert "idx_search_entries_document" in plan
    assert "idx_search_entries_name" in plan
    assert "Seq Scan on search_entries" not in plan
    filtered = _plan(thousands, "zanzibar", SearchFilters(duration_ms=Range(1, 10**6)))
    assert "idx_search_entries_document" in filtered


def test_the_typo_fallback_searches_the_words_table_by_trigram_index(
    thousands: Connection,
) -> None:
    plan = "\n".join(
        thousands.execute(
            text(
                "EXPLAIN SELECT w.word FROM search_words w WHERE w.word % 'zanzibr' "
                "ORDER BY w.word <-> 'zanzibr' LIMIT 3"
            )
        ).scalars()
    )
    assert "idx_search_words_trgm" in plan
    assert [r.name for r in search(thousands, query="zanzibr").results] == ["Zanzibar Nights"]


@pytest.mark.shared_data
def test_real_spotify_names_are_found_despite_accents_prefixes_and_typos(
    connection: Connection, shared_data: Path
) -> None:
    loaded = spotify_slice.load(
        connection, shared_data / "spotify_songs.csv", first=2000,
        artists=("Tiësto", "Beyoncé", "Dua Lipa", "Metallica"),
    )  # fmt: skip
    assert loaded > 2000
    for query, artist in (
        ("tiesto", "Tiësto"), ("beyonce", "Beyoncé"), ("dua li", "Dua Lipa"),
        ("beyonse", "Beyoncé"), ("metalica", "Metallica"),
    ):  # fmt: skip
        first = search(connection, query=query).results[0]
        assert (first.type, first.name) == ("artist", artist), query
    tracks = search(connection, query="metallica", filters=SearchFilters(types=("track",)))
    assert tracks.results
    assert all(r.artist == "Metallica" for r in tracks.results)
    scores = [r.score for r in tracks.results]
    assert scores == sorted(scores, reverse=True)


def test_a_search_turns_jit_off_for_its_own_transaction_only(connection: Connection) -> None:
    # A filtered search is costed for reading every match; JIT compiling it took ~1 s.
    search(connection, query="anything", filters=SearchFilters(genre="pop"))
    assert connection.execute(text("SHOW jit")).scalar() == "off"
    connection.rollback()
    assert connection.execute(text("SHOW jit")).scalar() == "on"


@pytest.fixture
def bands(connection: Connection) -> Connection:
    """Names for typos in any word of a multi-word query."""
    for name, popularity, titles in (
        ("Arctic Monkeys", 80, ("Do I Wanna Know?", "R U Mine?")),
        ("Nicki Minaj", 85, ("Super Bass", "Starships")),
        ("Wiz Khalifa", 78, ("See You Again",)),
        ("The Killers", 77, ("Mr. Brightside",)),
        ("Twenty One Pilots", 82, ("Stressed Out",)),
        ("Someone Else", 20, ("The Killer",)),
    ):
        artist = factories.artist(connection, name=name, popularity=popularity)
        for title in titles:
            factories.track(connection, title=title, artist_id=artist, popularity=popularity - 5)
    return connection


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("arctic monkyes", ("artist", "Arctic Monkeys")),
        ("nicki minja", ("artist", "Nicki Minaj")),
        ("wiz khalifa see you agian", ("track", "See You Again")),
        ("arctic monkyes do", ("track", "Do I Wanna Know?")),
        ("nicki minja sup", ("track", "Super Bass")),
        ("arcitc monkeys", ("artist", "Arctic Monkeys")),
        ("twentyone pilots", ("artist", "Twenty One Pilots")),
        ("twenty one pilot", ("artist", "Twenty One Pilots")),
        ("the killer", ("artist", "The Killers")),
        ("stresed out", ("track", "Stressed Out")),
        ("mr brigthside", ("track", "Mr. Brightside")),
    ],
)
def test_a_typo_in_any_word_still_finds_the_name_in_the_top_five(
    bands: Connection, query: str, expected: tuple[str, str]
) -> None:
    assert expected in names(search(bands, query=query, limit=5))


def test_a_near_name_joins_the_literal_matches_without_displacing_them(bands: Connection) -> None:
    found = names(search(bands, query="the killer", limit=5))
    assert found[0] == ("track", "The Killer")
    assert ("artist", "The Killers") in found


def test_words_reach_the_lexicon_with_their_deletion_variants(connection: Connection) -> None:
    artist = factories.artist(connection, name="Zanzibar")
    factories.track(connection, title="Again", artist_id=artist)
    variants = set(
        connection.execute(
            text("SELECT variant FROM search_word_variants WHERE word = 'again'")
        ).scalars()
    )
    assert variants == {"again", "gain", "aain", "agin", "agan", "agai"}


@pytest.mark.parametrize(
    ("word", "edits"), [("abc", 1), ("abcdefg", 1), ("abcdefgh", 2), ("ab", 0)]
)
def test_longer_words_forgive_more_edits(word: str, edits: int) -> None:
    from searxng_cool.catalog.search_typos import allowed_edits

    assert allowed_edits(word) == edits


@pytest.mark.parametrize(
    ("a", "b", "distance"), [("minja", "minaj", 1), ("agian", "again", 1), ("monkyes", "monkeys", 1),
                             ("beyonse", "beyonce", 1), ("metalica", "metallica", 1), ("ab", "ba", 1),
                             ("kitten", "sitting", 3)],
)  # fmt: skip
def test_a_transposition_is_one_edit(a: str, b: str, distance: int) -> None:
    from searxng_cool.catalog.search_typos import damerau

    assert damerau(a, b, 5) == distance
