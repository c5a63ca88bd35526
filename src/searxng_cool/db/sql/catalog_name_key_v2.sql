-- catalog_name_key v2: the same expression as v1, declared without STRICT so that the
-- planner inlines it into the calling query. A STRICT SQL function is inlined only if its
-- body is provably strict, and coalesce() is not, so v1 ran as a separate SQL-function call
-- per name (about 4x the cost of the expression itself). The body already returns NULL for
-- NULL: every branch of the coalesce is NULL then, so results do not change.
--
-- The key under which two spellings of one name meet during ingest: accents stripped with
-- the IMMUTABLE unaccent wrapper, case-folded, apostrophes dropped ("Don't" = "Dont"),
-- "&" read as "and", every other ASCII or typographic punctuation mark a single space.
-- The punctuation classes are spelled out (not [:punct:]) because in a C-locale database
-- those classes are ASCII-only, and non-ASCII letters (Japanese, Cyrillic) must survive.
-- A name made only of punctuation ("!!!" is a band) keeps its lower-cased self as key.
CREATE OR REPLACE FUNCTION catalog_name_key(text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(nullif(btrim(regexp_replace(
        regexp_replace(
            replace(lower(immutable_unaccent($1)), '&', ' and '),
            '[''’`´]', '', 'g'),
        '[\s!-/:-@\[-`{-~‘“”„«»‹›–—…¡¿·•]+', ' ', 'g')), ''), lower(btrim($1)))
$$;
