"""The search index follows every write to artists, albums and tracks."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from searxng_cool.admin import migrations
from searxng_cool.catalog import search_index
from searxng_cool.catalog.search import search
from tests import factories


def entry(conn: Connection, kind: str, entity_id: int) -> tuple[str, str, float] | None:
    row = conn.execute(
        text(
            "SELECT name_norm, document::text, popularity FROM search_entries"
            " WHERE kind = :kind AND entity_id = :id"
        ),
        {"kind": kind, "id": entity_id},
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def test_a_new_track_is_indexed_title_a_artist_b_album_and_aliases_c(
    connection: Connection,
) -> None:
    artist = factories.artist(connection, name="Tiësto", aliases=["DJ Tiesto"])
    album = factories.album(connection, title="Kaleidoscope", artist_id=artist)
    track = factories.track(
        connection, title="Red Lights", artist_id=artist, album_id=album, popularity=61
    )
    found = entry(connection, "track", track)
    assert found is not None
    name, document, popularity = found
    assert name == "lights red"  # distinct words, sorted
    assert popularity == 61
    for lexeme in ("'red':1A", "'lights':2A", "'tiesto':3B", "'kaleidoscope':4C", "'dj':5C"):
        assert lexeme in document


def test_artist_aliases_fill_the_spec_search_vector_and_find_the_artist(
    connection: Connection,
) -> None:
    artist = factories.artist(connection, name="Prince")
    connection.execute(
        text("UPDATE artists SET aliases = CAST(:a AS jsonb) WHERE id = :id"),
        {"a": '["The Artist Formerly Known as Prince", {"name": "Camille"}]', "id": artist},
    )
    vector = connection.execute(
        text("SELECT search_vector FROM artists WHERE id = :id"), {"id": artist}
    ).scalar()
    assert vector == "The Artist Formerly Known as Prince Camille"
    assert [(r.type, r.id) for r in search(connection, query="camille").results] == [
        ("artist", artist)
    ]


def test_renaming_an_artist_reindexes_their_albums_and_tracks(connection: Connection) -> None:
    artist = factories.artist(connection, name="Puff Daddy")
    album = factories.album(connection, title="No Way Out", artist_id=artist)
    track = factories.track(connection, title="Victory", artist_id=artist, album_id=album)
    connection.execute(text("UPDATE artists SET name = 'Diddy' WHERE id = :id"), {"id": artist})
    found = {(r.type, r.id) for r in search(connection, query="diddy").results}
    assert found == {("artist", artist), ("album", album), ("track", track)}
    assert search(connection, query="puff daddy").results == []


def test_retitling_an_album_reindexes_its_tracks(connection: Connection) -> None:
    album = factories.album(connection, title="Working Title")
    track = factories.track(connection, title="Opener", album_id=album)
    connection.execute(text("UPDATE albums SET title = 'Abbey Road' WHERE id = :id"), {"id": album})
    assert entry(connection, "track", track) is not None
    assert ("track", track) in {(r.type, r.id) for r in search(connection, query="abbey").results}


def test_deleting_or_truncating_removes_entries(connection: Connection) -> None:
    track = factories.track(connection, title="Gone Soon")
    connection.execute(text("DELETE FROM tracks WHERE id = :id"), {"id": track})
    assert entry(connection, "track", track) is None
    factories.track(connection, title="Also Gone")
    connection.execute(text("TRUNCATE tracks CASCADE"))
    assert search(connection, query="gone", limit=100).results == []


def test_one_bulk_statement_indexes_every_row_it_wrote(connection: Connection) -> None:
    artist = factories.artist(connection, name="Bulk Artist")
    connection.execute(
        text(
            "INSERT INTO tracks (title, artist_id, popularity)"
            " SELECT 'Bulk ' || n, :artist, n % 100 FROM generate_series(1, 5000) n"
        ),
        {"artist": artist},
    )
    assert search_index.missing(connection) == {"artist": 0, "album": 0, "track": 0}
    # The artist's entry is as popular as its most popular track.
    assert entry(connection, "artist", artist) == ("artist bulk", "'artist':2A 'bulk':1A", 99)


def test_refresh_rebuilds_lost_entries_and_drops_stale_words(connection: Connection) -> None:
    track = factories.track(connection, title="Quixotic")
    connection.execute(text("DELETE FROM search_entries"))
    connection.execute(text("INSERT INTO search_words VALUES ('zzzstale')"))
    assert search_index.missing(connection)["track"] == 1
    search_index.refresh(connection)
    assert search_index.missing(connection) == {"artist": 0, "album": 0, "track": 0}
    words = set(connection.execute(text("SELECT word FROM search_words")).scalars())
    assert "quixotic" in words
    assert "zzzstale" not in words
    assert entry(connection, "track", track) is not None


def test_refresh_of_some_tracks_reindexes_only_those(connection: Connection) -> None:
    kept = factories.track(connection, title="Kept")
    lost = factories.track(connection, title="Lost")
    connection.execute(text("DELETE FROM search_entries WHERE kind = 'track'"))
    search_index.refresh(connection, track_ids=[lost])
    assert entry(connection, "track", lost) is not None
    assert entry(connection, "track", kept) is None


def test_the_migration_indexes_rows_that_existed_before_it(empty_db_url: object) -> None:
    from sqlalchemy import create_engine, pool

    engine: Engine = create_engine(empty_db_url, poolclass=pool.NullPool)  # type: ignore[arg-type]
    with engine.begin() as conn:
        migrations.upgrade(conn, revision="20261124_2040_initial_schema")
        artist = factories.artist(conn, name="Beyoncé")
        factories.track(conn, title="Halo", artist_id=artist)
    with engine.begin() as conn:
        migrations.upgrade(conn, revision="20261124_2050_search_index")
        assert search_index.missing(conn) == {"artist": 0, "album": 0, "track": 0}
    with engine.begin() as conn:
        # The search of today needs the later revisions too (the typo lexicon's variants,
        # back-filled from the words the search index revision collected).
        migrations.upgrade(conn, revision="head")
        assert search(conn, query="beyonce").results[0].name == "Beyoncé"
        assert search(conn, query="beyonse").results[0].name == "Beyoncé"
    engine.dispose()


def test_an_upsert_reindexes_what_it_inserted_and_what_it_updated(
    connection: Connection,
) -> None:
    mbid = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
    kept = factories.artist(connection, name="Nirvana (US)", musicbrainz_id=mbid)
    upsert = text(
        "INSERT INTO artists (name, musicbrainz_id) VALUES ('Nirvana', :kept), ('Hole', NULL)"
        " ON CONFLICT (musicbrainz_id) DO UPDATE SET name = excluded.name"
    )
    connection.execute(upsert, {"kept": mbid})
    assert entry(connection, "artist", kept) == ("nirvana", "'nirvana':1A", 0)
    assert [r.name for r in search(connection, query="hole").results] == ["Hole"]


def test_a_popularity_change_moves_the_track_artist_and_album_entries(
    connection: Connection,
) -> None:
    artist = factories.artist(connection, name="Robyn")
    album = factories.album(connection, title="Body Talk", artist_id=artist)
    track = factories.track(
        connection, title="Dancing On My Own", artist_id=artist, album_id=album, popularity=10
    )
    before = entry(connection, "track", track)
    connection.execute(text("UPDATE tracks SET popularity = 87 WHERE id = :id"), {"id": track})
    after = entry(connection, "track", track)
    assert before is not None
    assert after is not None
    assert after == (before[0], before[1], 87)  # same document, new popularity
    for kind, entity in (("artist", artist), ("album", album)):
        found = entry(connection, kind, entity)
        assert found is not None
        assert found[2] == 87
    # A track that lost its entry gets a whole one back on its next change.
    connection.execute(text("DELETE FROM search_entries WHERE kind = 'track'"))
    connection.execute(text("UPDATE tracks SET popularity = 90 WHERE id = :id"), {"id": track})
    assert entry(connection, "track", track) == (before[0], before[1], 90)


def test_a_large_update_after_a_small_one_in_the_same_session_reindexes_every_row(
    connection: Connection,
) -> None:
    # The UPDATE triggers' queries are planned once per session: the second statement must
    # still find its 2,000 changed rows (and not compare every new row with every old one).
    artist = factories.artist(connection, name="Many")
    connection.execute(
        text(
            "INSERT INTO tracks (title, artist_id)"
            " SELECT 'Song ' || n, :artist FROM generate_series(1, 2000) n"
        ),
        {"artist": artist},
    )
    connection.execute(text("UPDATE tracks SET title = 'Tiny' WHERE title = 'Song 1'"))
    connection.execute(
        text("UPDATE tracks SET title = 'Renamed ' || id WHERE artist_id = :artist"),
        {"artist": artist},
    )
    renamed = connection.execute(
        text(
            "SELECT count(*) FROM search_entries e JOIN tracks t ON t.id = e.entity_id"
            " WHERE e.kind = 'track' AND t.artist_id = :artist AND e.document @@ 'renamed'"
        ),
        {"artist": artist},
    ).scalar_one()
    assert renamed == 2000
