"""The migrated schema holds every object the spec names, and each behaves as documented."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from searxng_cool.db.models import Base
from tests import factories

SPEC_INDEXES = [
    "idx_tracks_artist_id",
    "idx_tracks_album_id",
    "idx_user_interactions_user_id",
    "idx_tracks_artist_album",
    "idx_user_interactions_composite",
    "idx_tracks_audio_features",
    "idx_artists_genres",
    "idx_playlists_tags",
    "idx_tracks_search",
    "idx_artists_search",
    "idx_user_interactions_created",
    "idx_discovery_sessions_started",
    "idx_track_sources_unique",
    "idx_playlist_position",
]
SPEC_TABLES = [
    "artists",
    "albums",
    "tracks",
    "users",
    "user_interactions",
    "user_music_profiles",
    "playlists",
    "playlist_tracks",
    "discovery_sessions",
    "discovery_session_tracks",
    "track_sources",
    "artist_sources",
    "album_sources",
]


def names(conn: Connection, sql: str) -> set[str]:
    return {row[0] for row in conn.execute(text(sql))}


def test_every_spec_table_exists(connection: Connection) -> None:
    tables = names(connection, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert set(SPEC_TABLES) <= tables


def test_every_spec_index_exists_by_name(connection: Connection) -> None:
    indexes = names(connection, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    assert set(SPEC_INDEXES) - indexes == set()


def test_spec_extensions_are_installed(connection: Connection) -> None:
    extensions = names(connection, "SELECT extname FROM pg_extension")
    assert {"pg_stat_statements", "pg_trgm", "unaccent", "cube"} <= extensions


def test_spec_named_check_constraints_exist_on_their_tables(connection: Connection) -> None:
    rows = connection.execute(
        text(
            "SELECT conname, conrelid::regclass::text FROM pg_constraint "
            "WHERE conname IN ('check_duration', 'check_play_duration', 'check_total_tracks')"
            " AND conislocal"  # partitions inherit the parent's checks under the same name
        )
    ).all()
    assert set(rows) == {
        ("check_duration", "tracks"),
        ("check_play_duration", "user_interactions"),
        ("check_total_tracks", "albums"),
    }


def test_every_foreign_key_column_leads_an_index(connection: Connection) -> None:
    unindexed = connection.execute(
        text(
            """
            SELECT c.conrelid::regclass::text, a.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f'
              AND NOT EXISTS (
                  SELECT 1 FROM pg_index i
                  WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]
              )
            """
        )
    ).all()
    assert unindexed == []


def test_no_two_indexes_cover_the_same_columns_of_playlist_tracks(connection: Connection) -> None:
    rows = connection.execute(
        text(
            "SELECT indkey::text, count(*) FROM pg_index "
            "WHERE indrelid = 'playlist_tracks'::regclass GROUP BY indkey::text HAVING count(*) > 1"
        )
    ).all()
    assert rows == []


def test_playlist_position_uniqueness_is_deferred(connection: Connection) -> None:
    row = connection.execute(
        text(
            "SELECT contype, condeferrable, condeferred FROM pg_constraint "
            "WHERE conname = 'idx_playlist_position'"
        )
    ).one()
    assert tuple(row) == ("u", True, True)


def test_updated_at_trigger_is_on_exactly_the_tables_with_updated_at(
    connection: Connection,
) -> None:
    with_column = names(
        connection,
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND column_name = 'updated_at'",
    )
    with_trigger = names(
        connection,
        "SELECT tgrelid::regclass::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE p.proname = 'update_updated_at_column' AND NOT t.tgisinternal",
    )
    assert with_column == with_trigger == {"artists", "albums", "tracks", "users", "playlists"}


def test_the_trigger_moves_updated_at_on_update(connection: Connection) -> None:
    artist = factories.artist(connection, name="Before")
    connection.commit()
    before = connection.execute(text("SELECT updated_at FROM artists WHERE id = :i"), {"i": artist})
    first = before.scalar_one()
    connection.execute(text("UPDATE artists SET name = 'After' WHERE id = :i"), {"i": artist})
    connection.commit()
    after = connection.execute(text("SELECT updated_at FROM artists WHERE id = :i"), {"i": artist})
    assert after.scalar_one() > first


def test_models_declare_every_spec_table() -> None:
    assert set(SPEC_TABLES) <= set(Base.metadata.tables)


def _base_rows(conn: Connection) -> dict[str, int]:
    artist = factories.artist(conn)
    album = factories.album(conn, artist_id=artist)
    track = factories.track(conn, artist_id=artist, album_id=album)
    user = factories.user(conn)
    playlist = factories.playlist(conn, owner_id=user)
    session = factories.insert(conn, "discovery_sessions", user_id=user, session_type="mood")
    return {
        "artist": artist,
        "album": album,
        "track": track,
        "user": user,
        "playlist": playlist,
        "session": session,
    }


# (table, constraint, values that break it); "{x}" placeholders take ids from _base_rows.
BAD_ROWS: list[tuple[str, str, dict[str, Any]]] = [
    ("tracks", "check_duration", {"title": "t", "duration_ms": -1}),
    ("tracks", "ck_tracks_popularity_range", {"title": "t", "popularity": 101}),
    ("tracks", "ck_tracks_isrc_format", {"title": "t", "isrc": "not-an-isrc"}),
    ("tracks", "ck_tracks_title_not_blank", {"title": "   "}),
    ("tracks", "ck_tracks_track_number_positive", {"title": "t", "track_number": 0}),
    ("tracks", "ck_tracks_audio_features_is_object", {"title": "t", "audio_features": [1]}),
    ("albums", "check_total_tracks", {"title": "a", "total_tracks": -3}),
    ("albums", "ck_albums_album_type_known", {"title": "a", "album_type": "mixtape-ish"}),
    ("albums", "ck_albums_musicbrainz_id_is_uuid", {"title": "a", "musicbrainz_id": "xyz"}),
    ("artists", "ck_artists_country_iso_3166_alpha2", {"name": "a", "country": "gb"}),
    ("artists", "ck_artists_musicbrainz_id_is_uuid", {"name": "a", "musicbrainz_id": "1234"}),
    ("artists", "ck_artists_popularity_range", {"name": "a", "popularity": -0.5}),
    ("artists", "ck_artists_name_not_blank", {"name": ""}),
    ("artists", "ck_artists_genres_is_array", {"name": "a", "genres": {"rock": 1}}),
    ("users", "ck_users_email_format", {"username": "u", "email": "nobody", "password_hash": "h"}),
    (
        "users",
        "ck_users_username_not_blank",
        {"username": " ", "email": "a@b", "password_hash": "h"},
    ),
    (
        "user_interactions",
        "check_play_duration",
        {
            "user_id": "{user}",
            "track_id": "{track}",
            "interaction_type": "play",
            "play_duration_ms": -5,
        },
    ),
    (
        "user_interactions",
        "ck_user_interactions_interaction_type_known",
        {"user_id": "{user}", "track_id": "{track}", "interaction_type": "teleport"},
    ),
    ("playlists", "ck_playlists_name_not_blank", {"owner_id": "{user}", "name": ""}),
    (
        "playlists",
        "ck_playlists_total_duration_not_negative",
        {"owner_id": "{user}", "name": "p", "total_duration_ms": -1},
    ),
    (
        "playlist_tracks",
        "ck_playlist_tracks_position_not_negative",
        {"playlist_id": "{playlist}", "track_id": "{track}", "position": -1},
    ),
    (
        "discovery_sessions",
        "ck_discovery_sessions_feedback_score_range",
        {"user_id": "{user}", "session_type": "mood", "feedback_score": 6},
    ),
    (
        "discovery_sessions",
        "ck_discovery_sessions_session_type_known",
        {"user_id": "{user}", "session_type": "astrology"},
    ),
    (
        "discovery_session_tracks",
        "ck_discovery_session_tracks_user_action_known",
        {
            "session_id": "{session}",
            "track_id": "{track}",
            "position": 0,
            "user_action": "shrugged",
        },
    ),
    (
        "track_sources",
        "ck_track_sources_source_type_format",
        {"track_id": "{track}", "source_type": "Spotify!", "source_id": "x"},
    ),
    (
        "artist_sources",
        "ck_artist_sources_source_id_not_blank",
        {"artist_id": "{artist}", "source_type": "spotify", "source_id": ""},
    ),
]


@pytest.mark.parametrize(
    ("table", "constraint", "values"), BAD_ROWS, ids=[c for _, c, _ in BAD_ROWS]
)
def test_each_check_rejects_its_bad_row(
    connection: Connection, table: str, constraint: str, values: dict[str, Any]
) -> None:
    ids = _base_rows(connection)
    row = {
        key: ids[value[1:-1]] if isinstance(value, str) and value.startswith("{") else value
        for key, value in values.items()
    }
    with pytest.raises(IntegrityError) as caught:
        factories.insert(connection, table, **row)
    assert caught.value.orig is not None
    assert getattr(caught.value.orig.diag, "constraint_name", None) == constraint


def test_deleting_a_user_removes_their_interactions_profile_playlists_and_sessions(
    connection: Connection,
) -> None:
    ids = _base_rows(connection)
    user, track, playlist = ids["user"], ids["track"], ids["playlist"]
    factories.interaction(connection, user_id=user, track_id=track)
    factories.insert(connection, "user_music_profiles", user_id=user)
    factories.insert(
        connection, "playlist_tracks", playlist_id=playlist, track_id=track, position=0
    )
    factories.insert(
        connection,
        "discovery_session_tracks",
        session_id=ids["session"],
        track_id=track,
        position=0,
    )
    connection.execute(text("DELETE FROM users WHERE id = :u"), {"u": user})
    for table in (
        "user_interactions",
        "user_music_profiles",
        "playlists",
        "playlist_tracks",
        "discovery_sessions",
        "discovery_session_tracks",
    ):
        assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table
    assert connection.execute(text("SELECT count(*) FROM tracks")).scalar_one() == 1


def test_deleting_a_collaborator_keeps_the_tracks_they_added(connection: Connection) -> None:
    ids = _base_rows(connection)
    helper = factories.user(connection)
    factories.insert(
        connection,
        "playlist_tracks",
        playlist_id=ids["playlist"],
        track_id=ids["track"],
        position=0,
        added_by=helper,
    )
    connection.execute(text("DELETE FROM users WHERE id = :u"), {"u": helper})
    added_by = connection.execute(text("SELECT added_by FROM playlist_tracks")).scalar_one()
    assert added_by is None


def test_deleting_an_artist_that_still_has_tracks_is_refused(connection: Connection) -> None:
    ids = _base_rows(connection)
    with pytest.raises(IntegrityError) as caught:
        connection.execute(text("DELETE FROM artists WHERE id = :a"), {"a": ids["artist"]})
    assert caught.value.orig is not None
    assert "fk_tracks_artist_id_artists" in str(
        caught.value.orig
    ) or "fk_albums_artist_id_artists" in str(caught.value.orig)


def test_deleting_a_track_with_listening_history_is_refused(connection: Connection) -> None:
    ids = _base_rows(connection)
    factories.interaction(connection, user_id=ids["user"], track_id=ids["track"])
    with pytest.raises(IntegrityError):
        connection.execute(text("DELETE FROM tracks WHERE id = :t"), {"t": ids["track"]})


@pytest.mark.parametrize("entity", ["artist", "album", "track"])
def test_source_rows_go_with_their_entity(connection: Connection, entity: str) -> None:
    entity_id = factories.insert(
        connection, f"{entity}s", **({"name": "x"} if entity == "artist" else {"title": "x"})
    )
    factories.insert(
        connection,
        f"{entity}_sources",
        **{f"{entity}_id": entity_id},
        source_type="spotify",
        source_id="abc",
    )
    connection.execute(text(f"DELETE FROM {entity}s WHERE id = :i"), {"i": entity_id})
    assert connection.execute(text(f"SELECT count(*) FROM {entity}_sources")).scalar_one() == 0


def test_one_external_id_maps_to_one_track(connection: Connection) -> None:
    first = factories.track(connection)
    second = factories.track(connection)
    factories.insert(
        connection, "track_sources", track_id=first, source_type="spotify", source_id="6rqhF"
    )
    with pytest.raises(IntegrityError):
        factories.insert(
            connection, "track_sources", track_id=second, source_type="spotify", source_id="6rqhF"
        )


def test_positions_can_be_swapped_inside_one_transaction(connection: Connection) -> None:
    ids = _base_rows(connection)
    other = factories.track(connection)
    for position, track in enumerate((ids["track"], other)):
        factories.insert(
            connection,
            "playlist_tracks",
            playlist_id=ids["playlist"],
            track_id=track,
            position=position,
        )
    connection.commit()
    connection.execute(text("UPDATE playlist_tracks SET position = 1 - position"))
    connection.commit()
    order = (
        connection.execute(text("SELECT track_id FROM playlist_tracks ORDER BY position"))
        .scalars()
        .all()
    )
    assert order == [other, ids["track"]]


def test_a_duplicate_position_is_refused_at_commit(connection: Connection) -> None:
    ids = _base_rows(connection)
    other = factories.track(connection)
    for track in (ids["track"], other):
        factories.insert(
            connection, "playlist_tracks", playlist_id=ids["playlist"], track_id=track, position=0
        )
    with pytest.raises(IntegrityError) as caught:
        connection.commit()
    assert "idx_playlist_position" in str(caught.value.orig)


def test_popularity_view_counts_a_known_set_of_interactions(engine: Engine) -> None:
    with engine.begin() as conn:
        alice, bob = factories.user(conn), factories.user(conn)
        hit, quiet = factories.track(conn, title="Hit"), factories.track(conn, title="Quiet")
        for user, kind, duration in [
            (alice, "play", 100_000),
            (alice, "play", 200_000),
            (bob, "play", 300_000),
            (bob, "like", None),
            (bob, "skip", 5_000),
        ]:
            factories.interaction(
                conn, user_id=user, track_id=hit, interaction_type=kind, play_duration_ms=duration
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY mv_track_popularity"))
        rows = {row.id: row for row in conn.execute(text("SELECT * FROM mv_track_popularity"))}
    assert (rows[hit].unique_listeners, rows[hit].total_plays, rows[hit].total_likes) == (2, 3, 1)
    assert float(rows[hit].avg_play_duration) == 200_000.0
    assert (
        rows[quiet].unique_listeners,
        rows[quiet].total_plays,
        rows[quiet].avg_play_duration,
    ) == (0, 0, None)


def test_popularity_view_has_a_unique_index_for_concurrent_refresh(connection: Connection) -> None:
    unique = connection.execute(
        text(
            "SELECT indisunique FROM pg_index WHERE indexrelid = 'idx_mv_track_popularity_id'::regclass"
        )
    ).scalar_one()
    assert unique is True


def test_immutable_unaccent_strips_accents_and_can_be_indexed(connection: Connection) -> None:
    assert (
        connection.execute(text("SELECT immutable_unaccent('Tiësto Beyoncé')")).scalar_one()
        == "Tiesto Beyonce"
    )
    volatility = connection.execute(
        text("SELECT provolatile FROM pg_proc WHERE proname = 'immutable_unaccent'")
    ).scalar_one()
    assert volatility == "i"
    connection.execute(text("CREATE INDEX probe ON artists (lower(immutable_unaccent(name)))"))
