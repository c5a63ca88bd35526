"""initial schema: every table, index, constraint, trigger and view of the spec

Creates the extensions, the IMMUTABLE `immutable_unaccent(text)` wrapper, the 13 tables, the `update_updated_at_column()` trigger on every
table with an `updated_at` column, and `mv_track_popularity`. The downgrade removes all of it.

Revision ID: 20261124_2040_initial_schema
Revises:
Create Date: 2026-11-24 20:32:38.624446
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from searxng_cool.db import sql

revision: str = "20261124_2040_initial_schema"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# pg_trgm, unaccent and cube are trusted extensions: a database owner may create them.
TRUSTED_EXTENSIONS = ("pg_trgm", "unaccent", "cube")
TABLES_WITH_UPDATED_AT = ("artists", "albums", "tracks", "users", "playlists")

# pg_stat_statements needs a superuser. A non-superuser owner gets a notice instead of a
# failed migration: `init` creates it as superuser on the embedded cluster, and `status`
# says so when it is missing.
CREATE_PG_STAT_STATEMENTS = """
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_stat_statements not created: it needs a superuser (CREATE EXTENSION pg_stat_statements)';
END
$$
"""
DROP_PG_STAT_STATEMENTS = """
DO $$
BEGIN
    DROP EXTENSION IF EXISTS pg_stat_statements;
EXCEPTION WHEN insufficient_privilege OR dependent_objects_still_exist THEN
    RAISE NOTICE 'pg_stat_statements kept: it belongs to another role';
END
$$
"""


def upgrade() -> None:
    op.execute(CREATE_PG_STAT_STATEMENTS)
    for extension in TRUSTED_EXTENSIONS:
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    op.execute(sql.load("immutable_unaccent_v1"))

    op.create_table(
        "artists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("musicbrainz_id", sa.String(length=36), nullable=True),
        sa.Column(
            "genres",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "aliases",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "social_links",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("popularity", sa.Float(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("search_vector", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("btrim(name) <> ''", name=op.f("ck_artists_name_not_blank")),
        sa.CheckConstraint(
            "country ~ '^[A-Z]{2}$'", name=op.f("ck_artists_country_iso_3166_alpha2")
        ),
        sa.CheckConstraint(
            "jsonb_typeof(aliases) = 'array'", name=op.f("ck_artists_aliases_is_array")
        ),
        sa.CheckConstraint(
            "jsonb_typeof(genres) = 'array'", name=op.f("ck_artists_genres_is_array")
        ),
        sa.CheckConstraint(
            "jsonb_typeof(social_links) = 'object'", name=op.f("ck_artists_social_links_is_object")
        ),
        sa.CheckConstraint(
            "musicbrainz_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'",
            name=op.f("ck_artists_musicbrainz_id_is_uuid"),
        ),
        sa.CheckConstraint(
            "popularity >= 0 AND popularity <= 100", name=op.f("ck_artists_popularity_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artists")),
        sa.UniqueConstraint("musicbrainz_id", name=op.f("uq_artists_musicbrainz_id")),
    )
    op.create_index(
        "idx_artists_genres", "artists", ["genres"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        "idx_artists_search",
        "artists",
        [
            sa.literal_column(
                "to_tsvector('english'::regconfig, (COALESCE(name, ''::character varying)::text || ' '::text) || COALESCE(search_vector, ''::text))"
            )
        ],
        unique=False,
        postgresql_using="gin",
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "preferences",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("btrim(username) <> ''", name=op.f("ck_users_username_not_blank")),
        sa.CheckConstraint("email ~ '^[^@\\s]+@[^@\\s]+$'", name=op.f("ck_users_email_format")),
        sa.CheckConstraint(
            "jsonb_typeof(preferences) = 'object'", name=op.f("ck_users_preferences_is_object")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "albums",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("artist_id", sa.Integer(), nullable=True),
        sa.Column("musicbrainz_id", sa.String(length=36), nullable=True),
        sa.Column("album_type", sa.String(length=50), nullable=True),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("total_tracks", sa.Integer(), nullable=True),
        sa.Column(
            "genres",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "credits",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("cover_url_small", sa.Text(), nullable=True),
        sa.Column("cover_url_medium", sa.Text(), nullable=True),
        sa.Column("cover_url_large", sa.Text(), nullable=True),
        sa.Column("search_vector", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "album_type IN ('album', 'single', 'ep', 'compilation', 'live', 'soundtrack', 'remix', 'broadcast', 'other')",
            name=op.f("ck_albums_album_type_known"),
        ),
        sa.CheckConstraint("btrim(title) <> ''", name=op.f("ck_albums_title_not_blank")),
        sa.CheckConstraint(
            "jsonb_typeof(credits) = 'object'", name=op.f("ck_albums_credits_is_object")
        ),
        sa.CheckConstraint(
            "jsonb_typeof(genres) = 'array'", name=op.f("ck_albums_genres_is_array")
        ),
        sa.CheckConstraint(
            "musicbrainz_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'",
            name=op.f("ck_albums_musicbrainz_id_is_uuid"),
        ),
        sa.CheckConstraint("total_tracks >= 0", name=op.f("check_total_tracks")),
        sa.ForeignKeyConstraint(
            ["artist_id"],
            ["artists.id"],
            name=op.f("fk_albums_artist_id_artists"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_albums")),
        sa.UniqueConstraint("musicbrainz_id", name=op.f("uq_albums_musicbrainz_id")),
    )
    op.create_index("idx_albums_artist_id", "albums", ["artist_id"], unique=False)
    op.create_index("idx_albums_genres", "albums", ["genres"], unique=False, postgresql_using="gin")
    op.create_table(
        "artist_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artist_id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=50), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column("source_uri", sa.String(length=500), nullable=True),
        sa.Column("is_available", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("last_synced", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "btrim(source_id) <> ''", name=op.f("ck_artist_sources_source_id_not_blank")
        ),
        sa.CheckConstraint(
            "source_type ~ '^[a-z0-9_]+$'", name=op.f("ck_artist_sources_source_type_format")
        ),
        sa.ForeignKeyConstraint(
            ["artist_id"],
            ["artists.id"],
            name=op.f("fk_artist_sources_artist_id_artists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artist_sources")),
        sa.UniqueConstraint(
            "source_type", "source_id", name=op.f("uq_artist_sources_source_type_source_id")
        ),
    )
    op.create_index(
        "idx_artist_sources_unique",
        "artist_sources",
        ["artist_id", "source_type", "source_id"],
        unique=True,
    )
    op.create_table(
        "discovery_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_type", sa.String(length=50), nullable=False),
        sa.Column(
            "parameters",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feedback_score", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "jsonb_typeof(parameters) = 'object'",
            name=op.f("ck_discovery_sessions_parameters_is_object"),
        ),
        sa.CheckConstraint(
            "session_type IN ('mood', 'genre', 'similarity', 'playlist')",
            name=op.f("ck_discovery_sessions_session_type_known"),
        ),
        sa.CheckConstraint(
            "ended_at >= started_at", name=op.f("ck_discovery_sessions_ended_after_start")
        ),
        sa.CheckConstraint(
            "feedback_score BETWEEN 1 AND 5",
            name=op.f("ck_discovery_sessions_feedback_score_range"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_discovery_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_sessions")),
    )
    op.create_index(
        "idx_discovery_sessions_started",
        "discovery_sessions",
        [sa.literal_column("started_at DESC")],
        unique=False,
    )
    op.create_index(
        "idx_discovery_sessions_user_id", "discovery_sessions", ["user_id"], unique=False
    )
    op.create_table(
        "playlists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("is_public", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "is_collaborative", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "tags",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("dynamic_rules", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("total_duration_ms", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("btrim(name) <> ''", name=op.f("ck_playlists_name_not_blank")),
        sa.CheckConstraint(
            "dynamic_rules IS NULL OR jsonb_typeof(dynamic_rules) = 'object'",
            name=op.f("ck_playlists_dynamic_rules_is_object"),
        ),
        sa.CheckConstraint("jsonb_typeof(tags) = 'array'", name=op.f("ck_playlists_tags_is_array")),
        sa.CheckConstraint(
            "total_duration_ms >= 0", name=op.f("ck_playlists_total_duration_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_playlists_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlists")),
    )
    op.create_index("idx_playlists_owner_id", "playlists", ["owner_id"], unique=False)
    op.create_index(
        "idx_playlists_tags", "playlists", ["tags"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "user_music_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "audio_preferences",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "genre_preferences",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "discovery_settings",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "last_updated",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "jsonb_typeof(audio_preferences) = 'object'",
            name=op.f("ck_user_music_profiles_audio_preferences_is_object"),
        ),
        sa.CheckConstraint(
            "jsonb_typeof(discovery_settings) = 'object'",
            name=op.f("ck_user_music_profiles_discovery_settings_is_object"),
        ),
        sa.CheckConstraint(
            "jsonb_typeof(genre_preferences) = 'object'",
            name=op.f("ck_user_music_profiles_genre_preferences_is_object"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_music_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_music_profiles")),
        sa.UniqueConstraint("user_id", name=op.f("uq_user_music_profiles_user_id")),
    )
    op.create_table(
        "album_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("album_id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=50), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column("source_uri", sa.String(length=500), nullable=True),
        sa.Column("is_available", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("last_synced", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "btrim(source_id) <> ''", name=op.f("ck_album_sources_source_id_not_blank")
        ),
        sa.CheckConstraint(
            "source_type ~ '^[a-z0-9_]+$'", name=op.f("ck_album_sources_source_type_format")
        ),
        sa.ForeignKeyConstraint(
            ["album_id"],
            ["albums.id"],
            name=op.f("fk_album_sources_album_id_albums"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_album_sources")),
        sa.UniqueConstraint(
            "source_type", "source_id", name=op.f("uq_album_sources_source_type_source_id")
        ),
    )
    op.create_index(
        "idx_album_sources_unique",
        "album_sources",
        ["album_id", "source_type", "source_id"],
        unique=True,
    )
    op.create_table(
        "tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("artist_id", sa.Integer(), nullable=True),
        sa.Column("album_id", sa.Integer(), nullable=True),
        sa.Column("track_number", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("audio_features", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("lyrics", sa.Text(), nullable=True),
        sa.Column("isrc", sa.String(length=12), nullable=True),
        sa.Column("popularity", sa.Float(), nullable=True),
        sa.Column("search_vector", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "audio_features IS NULL OR jsonb_typeof(audio_features) = 'object'",
            name=op.f("ck_tracks_audio_features_is_object"),
        ),
        sa.CheckConstraint("btrim(title) <> ''", name=op.f("ck_tracks_title_not_blank")),
        sa.CheckConstraint(
            "isrc ~ '^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$'", name=op.f("ck_tracks_isrc_format")
        ),
        sa.CheckConstraint("duration_ms >= 0", name=op.f("check_duration")),
        sa.CheckConstraint(
            "popularity >= 0 AND popularity <= 100", name=op.f("ck_tracks_popularity_range")
        ),
        sa.CheckConstraint("track_number > 0", name=op.f("ck_tracks_track_number_positive")),
        sa.ForeignKeyConstraint(
            ["album_id"], ["albums.id"], name=op.f("fk_tracks_album_id_albums"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["artist_id"],
            ["artists.id"],
            name=op.f("fk_tracks_artist_id_artists"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracks")),
    )
    op.create_index("idx_tracks_album_id", "tracks", ["album_id"], unique=False)
    op.create_index("idx_tracks_artist_album", "tracks", ["artist_id", "album_id"], unique=False)
    op.create_index("idx_tracks_artist_id", "tracks", ["artist_id"], unique=False)
    op.create_index(
        "idx_tracks_audio_features",
        "tracks",
        ["audio_features"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index("idx_tracks_isrc", "tracks", ["isrc"], unique=False)
    op.create_index(
        "idx_tracks_search",
        "tracks",
        [
            sa.literal_column(
                "to_tsvector('english'::regconfig, (COALESCE(title, ''::character varying)::text || ' '::text) || COALESCE(search_vector, ''::text))"
            )
        ],
        unique=False,
        postgresql_using="gin",
    )
    op.create_table(
        "discovery_session_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_action", sa.String(length=20), nullable=True),
        sa.Column(
            "presented_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "user_action IN ('liked', 'disliked', 'skipped', 'saved', 'played', 'shared')",
            name=op.f("ck_discovery_session_tracks_user_action_known"),
        ),
        sa.CheckConstraint(
            "position >= 0", name=op.f("ck_discovery_session_tracks_position_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["discovery_sessions.id"],
            name=op.f("fk_discovery_session_tracks_session_id_discovery_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_discovery_session_tracks_track_id_tracks"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_session_tracks")),
        sa.UniqueConstraint(
            "session_id", "position", name=op.f("uq_discovery_session_tracks_session_id_position")
        ),
    )
    op.create_index(
        "idx_discovery_session_tracks_track_id",
        "discovery_session_tracks",
        ["track_id"],
        unique=False,
    )
    op.create_table(
        "playlist_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint("position >= 0", name=op.f("ck_playlist_tracks_position_not_negative")),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["users.id"],
            name=op.f("fk_playlist_tracks_added_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["playlists.id"],
            name=op.f("fk_playlist_tracks_playlist_id_playlists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_playlist_tracks_track_id_tracks"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlist_tracks")),
        sa.UniqueConstraint(
            "playlist_id",
            "position",
            deferrable=True,
            initially="DEFERRED",
            name="idx_playlist_position",
        ),
    )
    op.create_index("idx_playlist_tracks_added_by", "playlist_tracks", ["added_by"], unique=False)
    op.create_index("idx_playlist_tracks_track_id", "playlist_tracks", ["track_id"], unique=False)
    op.create_table(
        "track_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=50), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column("source_uri", sa.String(length=500), nullable=True),
        sa.Column("is_available", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("last_synced", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "btrim(source_id) <> ''", name=op.f("ck_track_sources_source_id_not_blank")
        ),
        sa.CheckConstraint(
            "source_type ~ '^[a-z0-9_]+$'", name=op.f("ck_track_sources_source_type_format")
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_track_sources_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_track_sources")),
        sa.UniqueConstraint(
            "source_type", "source_id", name=op.f("uq_track_sources_source_type_source_id")
        ),
    )
    op.create_index(
        "idx_track_sources_unique",
        "track_sources",
        ["track_id", "source_type", "source_id"],
        unique=True,
    )
    op.create_table(
        "user_interactions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("interaction_type", sa.String(length=20), nullable=False),
        sa.Column("play_duration_ms", sa.Integer(), nullable=True),
        sa.Column(
            "context",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "interaction_type IN ('play', 'like', 'unlike', 'dislike', 'skip', 'share', 'save', 'unsave', 'playlist_add', 'playlist_remove')",
            name=op.f("ck_user_interactions_interaction_type_known"),
        ),
        sa.CheckConstraint(
            "jsonb_typeof(context) = 'object'", name=op.f("ck_user_interactions_context_is_object")
        ),
        sa.CheckConstraint("play_duration_ms >= 0", name=op.f("check_play_duration")),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_user_interactions_track_id_tracks"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_interactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_interactions")),
    )
    op.create_index(
        "idx_user_interactions_composite",
        "user_interactions",
        ["user_id", "track_id", "interaction_type"],
        unique=False,
    )
    op.create_index(
        "idx_user_interactions_created",
        "user_interactions",
        [sa.literal_column("created_at DESC")],
        unique=False,
    )
    op.create_index(
        "idx_user_interactions_track_id", "user_interactions", ["track_id"], unique=False
    )
    op.create_index("idx_user_interactions_user_id", "user_interactions", ["user_id"], unique=False)

    op.execute(sql.load("update_updated_at_column_v1"))
    for table in TABLES_WITH_UPDATED_AT:
        op.execute(
            f"CREATE TRIGGER update_{table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()"
        )
    op.execute(sql.load("mv_track_popularity_v1"))


def downgrade() -> None:
    op.execute("DROP MATERIALIZED VIEW IF EXISTS mv_track_popularity")
    for table in TABLES_WITH_UPDATED_AT:
        op.execute(f"DROP TRIGGER IF EXISTS update_{table}_updated_at ON {table}")
    op.execute("DROP FUNCTION IF EXISTS update_updated_at_column()")

    op.drop_index("idx_user_interactions_user_id", table_name="user_interactions")
    op.drop_index("idx_user_interactions_track_id", table_name="user_interactions")
    op.drop_index("idx_user_interactions_created", table_name="user_interactions")
    op.drop_index("idx_user_interactions_composite", table_name="user_interactions")
    op.drop_table("user_interactions")
    op.drop_index("idx_track_sources_unique", table_name="track_sources")
    op.drop_table("track_sources")
    op.drop_index("idx_playlist_tracks_track_id", table_name="playlist_tracks")
    op.drop_index("idx_playlist_tracks_added_by", table_name="playlist_tracks")
    op.drop_table("playlist_tracks")
    op.drop_index("idx_discovery_session_tracks_track_id", table_name="discovery_session_tracks")
    op.drop_table("discovery_session_tracks")
    op.drop_index("idx_tracks_search", table_name="tracks", postgresql_using="gin")
    op.drop_index("idx_tracks_isrc", table_name="tracks")
    op.drop_index("idx_tracks_audio_features", table_name="tracks", postgresql_using="gin")
    op.drop_index("idx_tracks_artist_id", table_name="tracks")
    op.drop_index("idx_tracks_artist_album", table_name="tracks")
    op.drop_index("idx_tracks_album_id", table_name="tracks")
    op.drop_table("tracks")
    op.drop_index("idx_album_sources_unique", table_name="album_sources")
    op.drop_table("album_sources")
    op.drop_table("user_music_profiles")
    op.drop_index("idx_playlists_tags", table_name="playlists", postgresql_using="gin")
    op.drop_index("idx_playlists_owner_id", table_name="playlists")
    op.drop_table("playlists")
    op.drop_index("idx_discovery_sessions_user_id", table_name="discovery_sessions")
    op.drop_index("idx_discovery_sessions_started", table_name="discovery_sessions")
    op.drop_table("discovery_sessions")
    op.drop_index("idx_artist_sources_unique", table_name="artist_sources")
    op.drop_table("artist_sources")
    op.drop_index("idx_albums_genres", table_name="albums", postgresql_using="gin")
    op.drop_index("idx_albums_artist_id", table_name="albums")
    op.drop_table("albums")
    op.drop_table("users")
    op.drop_index("idx_artists_search", table_name="artists", postgresql_using="gin")
    op.drop_index("idx_artists_genres", table_name="artists", postgresql_using="gin")
    op.drop_table("artists")

    op.execute("DROP FUNCTION IF EXISTS immutable_unaccent(text)")
    for extension in reversed(TRUSTED_EXTENSIONS):
        op.execute(f"DROP EXTENSION IF EXISTS {extension}")
    op.execute(DROP_PG_STAT_STATEMENTS)
