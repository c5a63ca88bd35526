-- unaccent() is only STABLE (its dictionary could change), so it cannot be used in an
-- index expression. Naming the dictionary explicitly makes the result fixed, which is
-- the wrapper MusicBrainz uses: IMMUTABLE, so normalised names can be indexed.
CREATE OR REPLACE FUNCTION immutable_unaccent(text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
