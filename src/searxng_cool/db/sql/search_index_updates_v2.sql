-- The search index's UPDATE triggers, v2: the changed rows of a statement are found with
-- EXCEPT over the transition tables instead of a join of old_rows to new_rows.
--
-- PL/pgSQL caches the plan of a query without parameters after its first run. A join
-- planned when the first UPDATE of a session touched a handful of rows stays a nested
-- loop, and the next UPDATE of 50,000 rows then compares every new row with every old
-- one. EXCEPT is hashed or sorted whatever the sizes. (EXCEPT compares NULLs as equal,
-- like IS DISTINCT FROM.)

CREATE OR REPLACE FUNCTION search_index_artists_updated()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    renamed integer[];
BEGIN
    PERFORM public.search_forget('artist',
        ARRAY(SELECT id FROM old_rows EXCEPT SELECT id FROM new_rows));
    PERFORM public.search_refresh_artists(ARRAY(
        SELECT id FROM (SELECT id, name, aliases, popularity FROM new_rows
                        EXCEPT SELECT id, name, aliases, popularity FROM old_rows) AS changed));
    -- Albums and tracks carry their artist's name and aliases in their documents.
    renamed := ARRAY(
        SELECT id FROM (SELECT id, name, aliases FROM new_rows
                        EXCEPT SELECT id, name, aliases FROM old_rows) AS changed);
    IF cardinality(renamed) > 0 THEN
        PERFORM public.search_refresh_albums(
            ARRAY(SELECT id FROM public.albums WHERE artist_id = ANY(renamed)));
        PERFORM public.search_refresh_tracks(
            ARRAY(SELECT id FROM public.tracks WHERE artist_id = ANY(renamed)));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_index_albums_updated()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    retitled integer[];
BEGIN
    PERFORM public.search_forget('album',
        ARRAY(SELECT id FROM old_rows EXCEPT SELECT id FROM new_rows));
    PERFORM public.search_refresh_albums(ARRAY(
        SELECT id FROM (SELECT id, title, artist_id FROM new_rows
                        EXCEPT SELECT id, title, artist_id FROM old_rows) AS changed));
    -- Tracks carry their album's title in their documents.
    retitled := ARRAY(
        SELECT id FROM (SELECT id, title FROM new_rows
                        EXCEPT SELECT id, title FROM old_rows) AS changed);
    IF cardinality(retitled) > 0 THEN
        PERFORM public.search_refresh_tracks(
            ARRAY(SELECT id FROM public.tracks WHERE album_id = ANY(retitled)));
    END IF;
    RETURN NULL;
END
$$;

-- A track whose title, artist and album stay has the same document: when only its
-- popularity changes (the common merge during ingest), set the entry's popularity and pass
-- it on to its artist's and album's entries, as search_refresh_tracks would, without
-- recomputing three documents. A track that has no entry yet gets a whole one.
CREATE OR REPLACE FUNCTION search_refresh_track_popularity(ids integer[])
RETURNS void
LANGUAGE sql
AS $$
    SELECT public.search_refresh_tracks(ARRAY(
        SELECT u.id FROM unnest(ids) AS u(id)
         WHERE NOT EXISTS (SELECT 1 FROM public.search_entries e
                            WHERE e.kind = 'track' AND e.entity_id = u.id)));

    UPDATE public.search_entries e
       SET popularity = t.popularity
      FROM (SELECT id, coalesce(popularity, 0) AS popularity FROM public.tracks
             WHERE id = ANY(ids) ORDER BY id) AS t
     WHERE e.kind = 'track' AND e.entity_id = t.id AND e.popularity <> t.popularity;

    UPDATE public.search_entries e
       SET popularity = best.popularity
      FROM (SELECT 'album' AS kind, t.album_id AS id, max(t.popularity) AS popularity
              FROM public.tracks t WHERE t.id = ANY(ids) AND t.album_id IS NOT NULL
             GROUP BY t.album_id
            UNION ALL
            SELECT 'artist', t.artist_id, max(t.popularity)
              FROM public.tracks t WHERE t.id = ANY(ids) AND t.artist_id IS NOT NULL
             GROUP BY t.artist_id
             ORDER BY 1, 2) AS best
     WHERE e.kind = best.kind AND e.entity_id = best.id AND e.popularity < best.popularity;
$$;

CREATE OR REPLACE FUNCTION search_index_tracks_updated()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    reindexed integer[];
BEGIN
    PERFORM public.search_forget('track',
        ARRAY(SELECT id FROM old_rows EXCEPT SELECT id FROM new_rows));
    reindexed := ARRAY(
        SELECT id FROM (SELECT id, title, artist_id, album_id FROM new_rows
                        EXCEPT SELECT id, title, artist_id, album_id FROM old_rows) AS changed);
    PERFORM public.search_refresh_tracks(reindexed);
    PERFORM public.search_refresh_track_popularity(ARRAY(
        SELECT id FROM (SELECT id, popularity FROM new_rows
                        EXCEPT SELECT id, popularity FROM old_rows) AS changed
        EXCEPT SELECT unnest(reindexed)));
    RETURN NULL;
END
$$;
