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

CREATE OR REPLACE FUNCTION search_index_tracks_updated()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM public.search_forget('track',
        ARRAY(SELECT id FROM old_rows EXCEPT SELECT id FROM new_rows));
    PERFORM public.search_refresh_tracks(ARRAY(
        SELECT id FROM (SELECT id, title, artist_id, album_id, popularity FROM new_rows
                        EXCEPT SELECT id, title, artist_id, album_id, popularity FROM old_rows)
                    AS changed));
    RETURN NULL;
END
$$;
