-- The search index: `search_entries` (one weighted document per artist, album and track)
-- and `search_words` (every distinct lexeme, for the typo fallback), kept current by
-- statement-level triggers so that a bulk writer pays one set-based statement per
-- statement it runs, never a trigger call per row.
--
-- Text is accent-stripped (immutable_unaccent) and split by the `simple` configuration:
-- names are not stemmed ("Queen" must not match "queening") and keep their stop words
-- ("The The", "Let It Be" would be empty queries under `english`).

-- The words of a text in order of first appearance, lower-cased and accent-stripped.
CREATE OR REPLACE FUNCTION search_words_of(body text)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT coalesce(array_agg(lexeme ORDER BY positions[1]), '{}')
      FROM unnest(to_tsvector('simple'::regconfig, public.immutable_unaccent(body)))
$$;

-- A name reduced to its distinct words in sorted order, for "the whole name equals the
-- query" ranking (word order is ignored). A plain expression, so PostgreSQL inlines it:
-- it runs once per indexed row. Capped so that any title fits in a btree entry.
CREATE OR REPLACE FUNCTION search_name_norm(body text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT left(array_to_string(tsvector_to_array(
        to_tsvector('simple'::regconfig, public.immutable_unaccent(body))), ' '), 400)
$$;

-- A lexeme quoted for tsquery input, so no user text is ever parsed as tsquery syntax.
CREATE OR REPLACE FUNCTION search_quote_lexeme(lexeme text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''' $$;

-- All words required; with prefix_last, the last one may be the start of a word
-- (type-ahead). NULL when there are no words, which matches nothing.
CREATE OR REPLACE FUNCTION search_tsquery(words text[], prefix_last boolean)
RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN cardinality(words) > 0 THEN
        array_to_string(ARRAY(
            SELECT public.search_quote_lexeme(u.word)
                   || CASE WHEN prefix_last AND u.i = cardinality(words) THEN ':*' ELSE '' END
              FROM unnest(words) WITH ORDINALITY AS u(word, i)
             ORDER BY u.i), ' & ')::tsquery
    END
$$;

-- The typo fallback. A query word the catalog knows stays as it is; an unknown word (of
-- at least 3 letters: shorter ones have too few trigrams to compare) is replaced by its
-- three nearest known words by trigram distance, found through the GiST index on the
-- small words table rather than over every name. Unknown words with no near word are
-- dropped. NULL when no word needed correcting: the fallback would only repeat the
-- search that found too little.
CREATE OR REPLACE FUNCTION search_fuzzy_tsquery(words text[])
RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN bool_or(NOT per_word.known)
                THEN string_agg(per_word.alternatives, ' & ')::tsquery END
      FROM (
        SELECT u.i, k.known,
               '(' || string_agg(public.search_quote_lexeme(near.word), ' | ') || ')'
                   AS alternatives
          FROM unnest(words[1:8]) WITH ORDINALITY AS u(word, i)
         CROSS JOIN LATERAL (
                SELECT EXISTS (SELECT 1 FROM public.search_words w WHERE w.word = u.word)
                       AS known) AS k
         CROSS JOIN LATERAL (
                SELECT u.word WHERE k.known
                UNION ALL
                (SELECT w.word FROM public.search_words w
                  WHERE NOT k.known AND length(u.word) >= 3
                    AND w.word OPERATOR(public.%) u.word
                  ORDER BY w.word OPERATOR(public.<->) u.word
                  LIMIT 3)) AS near
         GROUP BY u.i, k.known
      ) AS per_word
$$;

CREATE OR REPLACE FUNCTION search_weighted(body text, weight "char")
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT setweight(
        to_tsvector('simple'::regconfig, public.immutable_unaccent(coalesce(body, ''))), weight)
$$;

-- Aliases are a JSON array of spellings; objects with a "name" are accepted too.
CREATE OR REPLACE FUNCTION search_aliases_text(aliases jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT string_agg(CASE jsonb_typeof(a.value)
                          WHEN 'string' THEN a.value #>> '{}'
                          WHEN 'object' THEN a.value ->> 'name'
                      END, ' ')
      FROM jsonb_array_elements(CASE WHEN jsonb_typeof(aliases) = 'array'
                                     THEN aliases ELSE '[]'::jsonb END) AS a(value)
$$;

-- Rows are upserted in key order and words inserted in sorted order, so two writers
-- touching overlapping rows wait for each other instead of deadlocking. Artist and
-- album entries keep the greatest popularity seen (their own or a track's): a full
-- rebuild recomputes it exactly.
CREATE OR REPLACE FUNCTION search_refresh_artists(ids integer[])
RETURNS void
LANGUAGE sql
AS $$
    WITH changed AS (
        INSERT INTO public.search_entries AS e (kind, entity_id, name_norm, document, popularity)
        SELECT 'artist', a.id, public.search_name_norm(a.name),
               public.search_weighted(a.name, 'A')
                   || public.search_weighted(public.search_aliases_text(a.aliases), 'B'),
               coalesce(a.popularity, 0)
          FROM (SELECT DISTINCT unnest(ids)) AS u(id)
          JOIN public.artists a ON a.id = u.id
         ORDER BY a.id
        ON CONFLICT (kind, entity_id) DO UPDATE
           SET name_norm = excluded.name_norm, document = excluded.document,
               popularity = greatest(e.popularity, excluded.popularity)
         WHERE (e.name_norm, e.document) IS DISTINCT FROM (excluded.name_norm, excluded.document)
            OR e.popularity < excluded.popularity
        RETURNING e.document
    )
    INSERT INTO public.search_words (word)
    SELECT DISTINCT l.lexeme FROM changed, unnest(changed.document) AS l ORDER BY 1
    ON CONFLICT DO NOTHING;
$$;

CREATE OR REPLACE FUNCTION search_refresh_albums(ids integer[])
RETURNS void
LANGUAGE sql
AS $$
    WITH changed AS (
        INSERT INTO public.search_entries AS e (kind, entity_id, name_norm, document, popularity)
        SELECT 'album', al.id, public.search_name_norm(al.title),
               public.search_weighted(al.title, 'A')
                   || public.search_weighted(ar.name, 'B')
                   || public.search_weighted(public.search_aliases_text(ar.aliases), 'C'),
               0
          FROM (SELECT DISTINCT unnest(ids)) AS u(id)
          JOIN public.albums al ON al.id = u.id
          LEFT JOIN public.artists ar ON ar.id = al.artist_id
         ORDER BY al.id
        ON CONFLICT (kind, entity_id) DO UPDATE
           SET name_norm = excluded.name_norm, document = excluded.document
         WHERE (e.name_norm, e.document) IS DISTINCT FROM (excluded.name_norm, excluded.document)
        RETURNING e.document
    )
    INSERT INTO public.search_words (word)
    SELECT DISTINCT l.lexeme FROM changed, unnest(changed.document) AS l ORDER BY 1
    ON CONFLICT DO NOTHING;
$$;

CREATE OR REPLACE FUNCTION search_refresh_tracks(ids integer[])
RETURNS void
LANGUAGE sql
AS $$
    WITH changed AS (
        INSERT INTO public.search_entries AS e (kind, entity_id, name_norm, document, popularity)
        SELECT 'track', t.id, public.search_name_norm(t.title),
               public.search_weighted(t.title, 'A')
                   || public.search_weighted(ar.name, 'B')
                   || public.search_weighted(
                          concat_ws(' ', al.title, public.search_aliases_text(ar.aliases)), 'C'),
               coalesce(t.popularity, 0)
          FROM (SELECT DISTINCT unnest(ids)) AS u(id)
          JOIN public.tracks t ON t.id = u.id
          LEFT JOIN public.artists ar ON ar.id = t.artist_id
          LEFT JOIN public.albums al ON al.id = t.album_id
         ORDER BY t.id
        ON CONFLICT (kind, entity_id) DO UPDATE
           SET name_norm = excluded.name_norm, document = excluded.document,
               popularity = excluded.popularity
         WHERE (e.name_norm, e.document, e.popularity)
               IS DISTINCT FROM (excluded.name_norm, excluded.document, excluded.popularity)
        RETURNING e.document
    )
    INSERT INTO public.search_words (word)
    SELECT DISTINCT l.lexeme FROM changed, unnest(changed.document) AS l ORDER BY 1
    ON CONFLICT DO NOTHING;

    -- An artist's or album's entry is as popular as its most popular track.
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

CREATE OR REPLACE FUNCTION search_forget(entity_kind text, ids integer[])
RETURNS void
LANGUAGE sql
AS $$
    DELETE FROM public.search_entries
     WHERE kind = entity_kind AND entity_id = ANY(ids)
$$;

-- Everything from scratch: entries, exact popularities, and no stale words.
CREATE OR REPLACE FUNCTION search_index_rebuild()
RETURNS void
LANGUAGE sql
AS $$
    DELETE FROM public.search_entries;
    DELETE FROM public.search_words;
    SELECT public.search_refresh_artists(ARRAY(SELECT id FROM public.artists));
    SELECT public.search_refresh_albums(ARRAY(SELECT id FROM public.albums));
    SELECT public.search_refresh_tracks(ARRAY(SELECT id FROM public.tracks));
$$;

-- Trigger functions. Each reads the statement's transition tables (new_rows, old_rows).

CREATE OR REPLACE FUNCTION search_index_artists_inserted()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM public.search_refresh_artists(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END
$$;

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
        SELECT n.id FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
         WHERE (n.name, n.aliases, n.popularity) IS DISTINCT FROM (o.name, o.aliases, o.popularity)));
    -- Albums and tracks carry their artist's name and aliases in their documents.
    renamed := ARRAY(
        SELECT n.id FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
         WHERE (n.name, n.aliases) IS DISTINCT FROM (o.name, o.aliases));
    IF cardinality(renamed) > 0 THEN
        PERFORM public.search_refresh_albums(
            ARRAY(SELECT id FROM public.albums WHERE artist_id = ANY(renamed)));
        PERFORM public.search_refresh_tracks(
            ARRAY(SELECT id FROM public.tracks WHERE artist_id = ANY(renamed)));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_index_albums_inserted()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM public.search_refresh_albums(ARRAY(SELECT id FROM new_rows));
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
        SELECT n.id FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
         WHERE (n.title, n.artist_id) IS DISTINCT FROM (o.title, o.artist_id)));
    -- Tracks carry their album's title in their documents.
    retitled := ARRAY(
        SELECT n.id FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
         WHERE n.title IS DISTINCT FROM o.title);
    IF cardinality(retitled) > 0 THEN
        PERFORM public.search_refresh_tracks(
            ARRAY(SELECT id FROM public.tracks WHERE album_id = ANY(retitled)));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_index_tracks_inserted()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM public.search_refresh_tracks(ARRAY(SELECT id FROM new_rows));
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
        SELECT n.id FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
         WHERE (n.title, n.artist_id, n.album_id, n.popularity)
               IS DISTINCT FROM (o.title, o.artist_id, o.album_id, o.popularity)));
    RETURN NULL;
END
$$;

-- Deleted rows of any table: TG_ARGV[0] names the kind.
CREATE OR REPLACE FUNCTION search_index_deleted()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM public.search_forget(TG_ARGV[0], ARRAY(SELECT id FROM old_rows));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search_index_truncated()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM public.search_entries WHERE kind = TG_ARGV[0];
    RETURN NULL;
END
$$;

-- The spec's `artists.search_vector` holds the artist's aliases, so the spec's
-- `idx_artists_search` finds an artist by any spelling. A pure function of the row:
-- no lookups, so it is cheap per row.
CREATE OR REPLACE FUNCTION search_vector_from_aliases()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.search_vector := public.search_aliases_text(NEW.aliases);
    RETURN NEW;
END
$$;

CREATE TRIGGER artists_search_vector BEFORE INSERT OR UPDATE OF aliases ON artists
    FOR EACH ROW EXECUTE FUNCTION search_vector_from_aliases();

CREATE TRIGGER artists_search_inserted AFTER INSERT ON artists
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_artists_inserted();
CREATE TRIGGER artists_search_updated AFTER UPDATE ON artists
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_artists_updated();
CREATE TRIGGER artists_search_deleted AFTER DELETE ON artists
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_deleted('artist');
CREATE TRIGGER artists_search_truncated AFTER TRUNCATE ON artists
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncated('artist');

CREATE TRIGGER albums_search_inserted AFTER INSERT ON albums
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_albums_inserted();
CREATE TRIGGER albums_search_updated AFTER UPDATE ON albums
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_albums_updated();
CREATE TRIGGER albums_search_deleted AFTER DELETE ON albums
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_deleted('album');
CREATE TRIGGER albums_search_truncated AFTER TRUNCATE ON albums
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncated('album');

CREATE TRIGGER tracks_search_inserted AFTER INSERT ON tracks
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_tracks_inserted();
CREATE TRIGGER tracks_search_updated AFTER UPDATE ON tracks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_tracks_updated();
CREATE TRIGGER tracks_search_deleted AFTER DELETE ON tracks
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_deleted('track');
CREATE TRIGGER tracks_search_truncated AFTER TRUNCATE ON tracks
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncated('track');
